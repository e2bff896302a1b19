import { LocalStorage } from '../../storage/local.ts';
import { inspectOutput } from '../../core/inspect.ts';
import { bytes, overheadText } from '../format.ts';
import type { Command } from '../command.ts';
import type { InspectResult } from '../../core/inspect.ts';

function effectiveText(e: NonNullable<InspectResult['effective']>): string {
  const rate = e.lossless ? 'lossless' : e.rc === 'crf' ? `crf ${e.crf}` : `rc ${e.rc}`;
  const params = e.params ? `; ${Object.entries(e.params).map(([k, v]) => `${k}=${v}`).join(':')}` : '';
  return `x265 ${e.x265}: ${rate}, ${e.bitDepth}-bit ${e.csp}, fps ${e.fps}, keyint ${e.keyint} (min ${e.minKeyint}, ${e.openGop ? 'open' : 'closed'} GOP), frame-threads ${e.frameThreads}${e.pools ? `, pools ${e.pools}` : ''}${params}`;
}

export const runInspect: Command = {
  usage: 'inspect <outDir> [--json]',
  positionals: 1,
  options: { json: { type: 'boolean' } },
  async run([outDir], v) {
    const r = await inspectOutput(new LocalStorage(outDir));
    if (v.json) {
      console.log(JSON.stringify(r, null, 2));
      return 0;
    }
    console.log(
      [
        `frames       ${r.frames} (${r.dropped} dropped), ${r.width}x${r.height} ${r.mode}${r.crop ? `, encoded region ${r.crop.width}x${r.crop.height}+${r.crop.x}+${r.crop.y}` : ''}`,
        `output       ${bytes(r.outputBytes)}; input ${bytes(r.inputBytes)}; ratio ${r.ratio.toFixed(1)}x`,
        `reel         ${bytes(r.reelBytes)} in ${r.reels} file(s); reel-only ratio ${r.reelRatio.toFixed(1)}x`,
        `overhead     ${overheadText(r.overhead)} (${(100 * r.overhead.total / Math.max(1, r.reelBytes)).toFixed(0)}% of the reel)`,
        `codec        libx265 ${r.lossless ? 'lossless' : `crf ${r.crf}`}, preset ${r.preset}${r.x265Params ? `, ${r.x265Params}` : ''}`,
        `x265 used    ${r.effective ? effectiveText(r.effective) : 'not recorded (manifest written before adreel read it back)'}`,
        `alignment    ${r.aligned ? `score min ${r.alignmentScore?.min.toFixed(3)} mean ${r.alignmentScore?.mean.toFixed(3)}` : 'off'}; segmenter ${r.segmenter ?? 'none'}`,
        `union mask   ${r.unionFraction === null ? 'none' : `${(100 * r.unionFraction).toFixed(1)}% of the frame`}`,
        `manifest     version ${r.manifestVersion}${r.manifestDigest ? `, digest ${r.manifestDigest}` : ' (no digest)'}`,
      ].join('\n'),
    );
    return 0;
  },
};
