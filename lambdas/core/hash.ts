// SHA-256 digests as lowercase hex: of bytes, of files (streamed, so any size), and of decoded frames.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Image } from './types.ts';

/** Domain tag so a frame digest can never equal the digest of some file's bytes by construction. */
const FRAME_HASH_TAG = 'adreel.frame.v1\0';

export function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * Digest of a frame's pixels with its geometry in front: tag, then width, height, channels as big-endian uint32.
 * The same bytes at another shape (96x80 vs 80x96) therefore hash differently.
 */
export function frameSha256(image: Image): string {
  const header = Buffer.alloc(FRAME_HASH_TAG.length + 12);
  header.write(FRAME_HASH_TAG, 0, 'latin1');
  header.writeUInt32BE(image.width, FRAME_HASH_TAG.length);
  header.writeUInt32BE(image.height, FRAME_HASH_TAG.length + 4);
  header.writeUInt32BE(image.channels, FRAME_HASH_TAG.length + 8);
  return createHash('sha256').update(header).update(image.data).digest('hex');
}
