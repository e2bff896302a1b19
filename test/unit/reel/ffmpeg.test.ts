import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EncoderError } from '../../../lambdas/ground/errors.ts';
import { locateFfmpeg, resetFfmpegCache, resolveFfmpeg } from '../../../lambdas/core/reel/ffmpeg.ts';

const notInstalled = (): string => {
  throw new Error('package not installed');
};

describe('resolveFfmpeg', () => {
  let dir: string;
  let fakeWithoutX265: string;
  const savedEnv = { FFMPEG_PATH: process.env.FFMPEG_PATH, PATH: process.env.PATH };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'adreel-ffmpeg-test-'));
    // Answers like an ffmpeg that was built without libx265.
    fakeWithoutX265 = path.join(dir, 'ffmpeg-no-x265');
    await writeFile(
      fakeWithoutX265,
      [
        '#!/bin/sh',
        'case "$*" in',
        '  *-version*) echo "ffmpeg version 9.9-fake Copyright (c) the fakers" ;;',
        '  *-encoders*) printf "Encoders:\\n V....D libx264              libx264 H.264\\n V....D mpeg4                MPEG-4 part 2\\n" ;;',
        'esac',
      ].join('\n'),
    );
    await chmod(fakeWithoutX265, 0o755);
  });

  const restoreEnv = () => {
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    resetFfmpegCache();
  };

  after(async () => {
    restoreEnv();
    await rm(dir, { recursive: true, force: true });
  });

  it('names all three places and what was wrong with each when none has libx265', async () => {
    delete process.env.FFMPEG_PATH;
    process.env.PATH = '';
    resetFfmpegCache();
    try {
      await assert.rejects(resolveFfmpeg(), (error: unknown) => {
        assert.ok(error instanceof EncoderError);
        assert.match(error.message, /FFMPEG_PATH: not set/);
        assert.match(error.message, /ffmpeg-static: /);
        assert.match(error.message, /PATH: no executable "ffmpeg" in an empty PATH/);
        return true;
      });
    } finally {
      restoreEnv();
    }
  });

  it('reports a FFMPEG_PATH that points at a missing file', async () => {
    const missing = path.join(dir, 'no-such-ffmpeg');
    await assert.rejects(
      locateFfmpeg({ env: { FFMPEG_PATH: missing, PATH: '' }, ffmpegStaticPath: notInstalled }),
      (error: unknown) => {
        assert.ok(error instanceof EncoderError);
        assert.ok(error.message.includes(`FFMPEG_PATH=${missing}: file does not exist`), error.message);
        assert.match(error.message, /unset it/);
        return true;
      },
    );
  });

  it('reports an ffmpeg-static package whose binary download failed', async () => {
    const hollow = path.join(dir, 'node_modules-ffmpeg-static-ffmpeg');
    await assert.rejects(
      locateFfmpeg({ env: { PATH: '' }, ffmpegStaticPath: () => hollow }),
      (error: unknown) => {
        assert.ok(error instanceof EncoderError);
        assert.ok(error.message.includes(`ffmpeg-static (${hollow}): file does not exist`), error.message);
        assert.match(error.message, /FFMPEG_PATH: not set/);
        return true;
      },
    );
  });

  it('refuses a FFMPEG_PATH without libx265 even when PATH has a good ffmpeg (no silent fallback)', async () => {
    await assert.rejects(
      locateFfmpeg({ env: { FFMPEG_PATH: fakeWithoutX265, PATH: savedEnv.PATH }, ffmpegStaticPath: notInstalled }),
      /FFMPEG_PATH=.*ffmpeg-no-x265: ffmpeg 9\.9-fake runs but does not list the libx265 encoder/,
    );
  });

  it('prefers FFMPEG_PATH, then ffmpeg-static, over PATH', async () => {
    const realOnPath = await locateFfmpeg({ env: { PATH: savedEnv.PATH }, ffmpegStaticPath: notInstalled });
    const viaEnv = await locateFfmpeg({
      env: { FFMPEG_PATH: realOnPath.path, PATH: '' },
      ffmpegStaticPath: () => realOnPath.path,
    });
    assert.equal(viaEnv.source, 'FFMPEG_PATH');
    const viaStatic = await locateFfmpeg({ env: { PATH: savedEnv.PATH }, ffmpegStaticPath: () => realOnPath.path });
    assert.equal(viaStatic.source, 'ffmpeg-static');
    assert.equal(viaStatic.version, realOnPath.version);
  });

  it('finds the real ffmpeg with the default lookup and caches it until reset', async () => {
    resetFfmpegCache();
    const first = await resolveFfmpeg();
    assert.equal(first.x265, true);
    assert.ok(first.source === 'PATH' || first.source === 'FFMPEG_PATH' || first.source === 'ffmpeg-static');
    assert.equal(await resolveFfmpeg(), first, 'second call should return the cached result');
    resetFfmpegCache();
    const again = await resolveFfmpeg();
    assert.notEqual(again, first, 'reset should force a new lookup');
    assert.deepEqual(again, first);
  });
});
