// Images inlined into the report as data URIs, downscaled with sharp so a report of dozens of 1024x1024 frames stays
// a few hundred kilobytes: photographs as JPEG, masks as PNG (hard edges, two values, compress well losslessly).
import sharp, { type Sharp } from 'sharp';
import type { ReportImage } from './types.ts';

export interface InlineImage {
  uri: string;
  width: number;
  height: number;
}

function source(image: ReportImage): Sharp {
  if ('bytes' in image) return sharp(image.bytes);
  if ('image' in image) {
    const { width, height, channels, data } = image.image;
    return sharp(data, { raw: { width, height, channels } });
  }
  const { width, height, data } = image.mask;
  return sharp(data, { raw: { width, height, channels: 1 } });
}

/** The image scaled to fit maxSide (never enlarged) as a data URI. */
export async function inlineImage(image: ReportImage, maxSide: number, format: 'jpeg' | 'png' = 'mask' in image ? 'png' : 'jpeg'): Promise<InlineImage> {
  const pipeline = source(image).resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true });
  const { data, info } =
    format === 'png'
      ? await pipeline.png({ compressionLevel: 9 }).toBuffer({ resolveWithObject: true })
      : await pipeline.jpeg({ quality: 82 }).toBuffer({ resolveWithObject: true });
  return { uri: `data:image/${format};base64,${data.toString('base64')}`, width: info.width, height: info.height };
}
