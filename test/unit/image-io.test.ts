import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { InputImageError } from '../../lambdas/ground/errors.ts';
import {
  decodeImage,
  decodeMask,
  encodeMaskPng,
  encodePng,
  imageToGrey,
  isImageName,
} from '../../lambdas/core/image-io.ts';
import type { Image } from '../../lambdas/core/types.ts';

/** A deterministic grey ramp with texture, so any off-by-one in a round trip shows. */
function greyPattern(width: number, height: number): Image {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = (x * 7 + y * 13 + x * y) % 256;
  return { width, height, channels: 1, data };
}

function rgbPattern(width: number, height: number): Image {
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    data[3 * p] = (p * 5) % 256;
    data[3 * p + 1] = (p * 11 + 40) % 256;
    data[3 * p + 2] = (p * 3 + 90) % 256;
  }
  return { width, height, channels: 3, data };
}

function rawInput(image: Image): Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
}

/** A 16-bit greyscale PNG written by hand: sharp cannot take 16-bit raw input. */
function grey16Png(width: number, height: number, values: number[]): Buffer {
  const chunk = (type: string, body: Buffer): Buffer => {
    const typeAndBody = Buffer.concat([Buffer.from(type, 'ascii'), body]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typeAndBody));
    return Buffer.concat([length, typeAndBody, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 16; // bit depth
  header[9] = 0; // colour type: greyscale
  const rows = Buffer.alloc(height * (1 + width * 2));
  for (let y = 0; y < height; y++) {
    const rowStart = y * (1 + width * 2); // filter byte 0 (none), then big-endian samples
    for (let x = 0; x < width; x++) rows.writeUInt16BE(values[y * width + x]!, rowStart + 1 + 2 * x);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InputImageError, `expected InputImageError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('isImageName', () => {
  it('accepts the supported extensions in any case and nothing else', () => {
    for (const name of ['a.png', 'b.JPG', 'c.jpeg', 'd.tif', 'e.TIFF', 'f.webp']) assert.ok(isImageName(name), name);
    for (const name of ['a.gif', 'b.txt', 'png', 'c.png.bak', 'd.svg']) assert.ok(!isImageName(name), name);
  });
});

describe('decodeImage: formats and round trips', () => {
  it('grey PNG round trip is bit-exact and stays 1 channel', async () => {
    const image = greyPattern(37, 23);
    const png = await encodePng(image);
    const meta = await sharp(png).metadata();
    assert.equal(meta.channels, 1);
    assert.equal(meta.space, 'b-w');
    const { image: back, info, warnings } = await decodeImage(png, 'grey.png');
    assert.equal(back.channels, 1);
    assert.deepEqual(Buffer.from(back.data), Buffer.from(image.data));
    assert.deepEqual(info, { width: 37, height: 23, mode: 'grey', format: 'png', bitDepth: 8, hadAlpha: false });
    assert.deepEqual(warnings, []);
  });

  it('RGB PNG round trip is exact', async () => {
    const image = rgbPattern(19, 11);
    const { image: back, info } = await decodeImage(await encodePng(image), 'rgb.png');
    assert.equal(back.channels, 3);
    assert.equal(info.mode, 'rgb');
    assert.deepEqual(Buffer.from(back.data), Buffer.from(image.data));
  });

  it('reads lossless TIFF and WebP exactly and JPEG closely', async () => {
    const grey = greyPattern(32, 16);
    const tiff = await rawInput(grey).toColourspace('b-w').tiff({ compression: 'lzw' }).toBuffer();
    const fromTiff = await decodeImage(tiff, 'x.tiff');
    assert.equal(fromTiff.info.format, 'tiff');
    assert.equal(fromTiff.image.channels, 1);
    assert.deepEqual(Buffer.from(fromTiff.image.data), Buffer.from(grey.data));

    // WebP has no grey mode: a grey picture comes back as neutral RGB, and forcing grey is lossless.
    const webp = await rawInput(grey).webp({ lossless: true }).toBuffer();
    const fromWebp = await decodeImage(webp, 'x.webp');
    assert.equal(fromWebp.info.format, 'webp');
    assert.equal(fromWebp.image.channels, 3);
    const webpAsGrey = await decodeImage(webp, 'x.webp', { mode: 'grey' });
    assert.deepEqual(Buffer.from(webpAsGrey.image.data), Buffer.from(grey.data));
    assert.match(webpAsGrey.warnings.join('\n'), /x\.webp: colour image converted to grey.*nothing lost/);

    const flat: Image = { width: 32, height: 32, channels: 3, data: new Uint8Array(32 * 32 * 3).fill(150) };
    const jpeg = await rawInput(flat).jpeg({ quality: 95 }).toBuffer();
    const fromJpeg = await decodeImage(jpeg, 'x.jpg');
    assert.equal(fromJpeg.info.format, 'jpeg');
    assert.equal(fromJpeg.image.channels, 3);
    for (const v of fromJpeg.image.data) assert.ok(Math.abs(v - 150) <= 2, `jpeg pixel ${v}`);

    const greyJpeg = await rawInput(greyPattern(16, 16)).toColourspace('b-w').jpeg().toBuffer();
    assert.equal((await decodeImage(greyJpeg, 'g.jpg')).image.channels, 1);
  });

  it('CMYK JPEG becomes RGB', async () => {
    const flat: Image = { width: 16, height: 16, channels: 3, data: new Uint8Array(16 * 16 * 3).fill(200) };
    const cmyk = await rawInput(flat).toColourspace('cmyk').jpeg().toBuffer();
    assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
    const { image, info, warnings } = await decodeImage(cmyk, 'cmyk.jpg');
    assert.equal(image.channels, 3);
    assert.match(warnings.join('\n'), /cmyk\.jpg: CMYK converted to RGB/);
    assert.equal(info.mode, 'rgb');
    for (const v of image.data) assert.ok(Math.abs(v - 200) <= 16, `cmyk->rgb pixel ${v}`);
  });

  it('palette PNG: all-grey palette is read as grey, a colour palette as RGB', async () => {
    const greys: Image = { width: 4, height: 1, channels: 3, data: new Uint8Array([9, 9, 9, 80, 80, 80, 200, 200, 200, 9, 9, 9]) };
    const greyPalette = await rawInput(greys).png({ palette: true }).toBuffer();
    assert.ok((await sharp(greyPalette).metadata()).isPalette);
    const grey = await decodeImage(greyPalette, 'pal.png');
    assert.equal(grey.image.channels, 1);
    assert.deepEqual([...grey.image.data], [9, 80, 200, 9]);
    assert.match(grey.warnings.join('\n'), /pal\.png: palette/);

    const colours: Image = { width: 2, height: 1, channels: 3, data: new Uint8Array([255, 0, 0, 0, 0, 255]) };
    const colourPalette = await rawInput(colours).png({ palette: true }).toBuffer();
    const colour = await decodeImage(colourPalette, 'cpal.png');
    assert.equal(colour.image.channels, 3);
    assert.deepEqual([...colour.image.data], [255, 0, 0, 0, 0, 255]);
  });

  it('forces the dataset mode with a warning', async () => {
    const greyPng = await encodePng(greyPattern(8, 8));
    const asRgb = await decodeImage(greyPng, 'g.png', { mode: 'rgb' });
    assert.equal(asRgb.image.channels, 3);
    assert.equal(asRgb.info.mode, 'rgb');
    assert.equal(asRgb.image.data[3 * 9 + 1], greyPattern(8, 8).data[9]);
    assert.match(asRgb.warnings.join('\n'), /g\.png: grey image expanded to RGB/);

    const rgbPng = await encodePng(rgbPattern(8, 8));
    const asGrey = await decodeImage(rgbPng, 'c.png', { mode: 'grey' });
    assert.equal(asGrey.image.channels, 1);
    assert.equal(asGrey.info.mode, 'grey');
    assert.match(asGrey.warnings.join('\n'), /c\.png: colour image converted to grey.*lossy/);
  });
});

describe('decodeImage: bad input', () => {
  it('zero-byte file', async () => {
    await rejects(decodeImage(Buffer.alloc(0), 'empty.png'), /^empty\.png: zero-byte file/);
  });

  it('text file and random bytes', async () => {
    await rejects(decodeImage(Buffer.from('name,value\nscrew,1\n'), 'notes.png'), /^notes\.png: not a readable image/);
    const noise = Buffer.alloc(4096);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    await rejects(decodeImage(noise, 'noise.jpg'), /^noise\.jpg: not a readable image/);
  });

  it('SVG (readable by sharp, but not a supported photo format)', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    await rejects(decodeImage(svg, 'x.png'), /^x\.png: format "svg" is not supported/);
  });

  it('truncated PNG and corrupted PNG data', async () => {
    const png = await encodePng(rgbPattern(120, 90));
    await rejects(decodeImage(png.subarray(0, Math.floor(png.length / 2)), 'half.png'), /^half\.png: corrupt or truncated png/);
    const corrupt = Buffer.from(png);
    for (let i = 100; i < corrupt.length - 20; i += 7) corrupt[i] = corrupt[i]! ^ 0x5a;
    await rejects(decodeImage(corrupt, 'bits.png'), /^bits\.png: corrupt or truncated png/);
  });

  it('too many pixels: refused with the limit, from the header', async () => {
    const png = await encodePng(greyPattern(20, 20));
    await rejects(decodeImage(png, 'big.png', { maxPixels: 399 }), /^big\.png: 20x20 = 400 pixels exceeds the limit of 399 pixels/);
    assert.equal((await decodeImage(png, 'big.png', { maxPixels: 400 })).image.width, 20);
  });

  it('RGBA: alpha flattened onto black, with a warning', async () => {
    const rgba = Buffer.from([200, 100, 50, 255, 200, 100, 50, 0, 200, 100, 50, 128, 10, 20, 30, 255]);
    const png = await sharp(rgba, { raw: { width: 2, height: 2, channels: 4 } }).png().toBuffer();
    const { image, info, warnings } = await decodeImage(png, 'alpha.png');
    assert.equal(image.channels, 3);
    assert.equal(info.hadAlpha, true);
    assert.deepEqual([...image.data.subarray(0, 6)], [200, 100, 50, 0, 0, 0]);
    assert.ok(Math.abs(image.data[6]! - 100) <= 1, `half-transparent red ${image.data[6]}`);
    assert.match(warnings.join('\n'), /alpha\.png: alpha channel flattened onto black/);
  });

  it('grey + alpha: stays grey, alpha flattened', async () => {
    const greyAlpha = Buffer.from([10, 255, 20, 0, 30, 255, 40, 255]);
    const png = await sharp(greyAlpha, { raw: { width: 2, height: 2, channels: 2 } }).toColourspace('b-w').png().toBuffer();
    assert.equal((await sharp(png).metadata()).channels, 2);
    const { image, info, warnings } = await decodeImage(png, 'ga.png');
    assert.equal(image.channels, 1);
    assert.equal(info.mode, 'grey');
    assert.deepEqual([...image.data], [10, 0, 30, 40]);
    assert.match(warnings.join('\n'), /ga\.png: alpha channel flattened onto black/);
  });

  it('16-bit grey PNG: scaled to 8 bits (not clipped), with a lossy warning', async () => {
    const values = [0, 0x00ff, 0x0100, 0x1234, 0x8000, 0xfeff, 0xff00, 0xffff];
    const png = grey16Png(4, 2, values);
    const meta = await sharp(png).metadata();
    assert.equal(meta.depth, 'ushort');
    const { image, info, warnings } = await decodeImage(png, 'deep.png');
    assert.equal(image.channels, 1);
    assert.equal(info.bitDepth, 16);
    for (let i = 0; i < values.length; i++) {
      const expected = values[i]! / 257;
      assert.ok(Math.abs(image.data[i]! - expected) <= 1, `16-bit ${values[i]} -> ${image.data[i]}, expected ~${expected}`);
    }
    assert.match(warnings.join('\n'), /deep\.png: 16-bit samples converted to 8-bit \(lossy/);
  });

  it('EXIF orientation is applied and recorded', async () => {
    // Left half dark, right half bright; orientation 6 means "rotate 90 degrees clockwise to display".
    const width = 32;
    const height = 16;
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(x < width / 2 ? 20 : 230, 3 * (y * width + x), 3 * (y * width + x) + 3);
    const jpeg = await rawInput({ width, height, channels: 3, data }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const { image, info, warnings } = await decodeImage(jpeg, 'turned.jpg');
    assert.equal(image.width, 16);
    assert.equal(image.height, 32);
    assert.equal(info.width, 16);
    assert.equal(info.exifOrientation, 6);
    assert.match(warnings.join('\n'), /turned\.jpg: EXIF Orientation tag \(0x0112\) = 6 applied/);
    // After the clockwise turn the dark left half is at the top.
    assert.ok(image.data[3 * (2 * 16 + 8)]! < 60, 'top is dark');
    assert.ok(image.data[3 * (29 * 16 + 8)]! > 190, 'bottom is bright');
  });
});

describe('masks and grey conversion', () => {
  it('decodeMask thresholds at 127 and encodeMaskPng round-trips', async () => {
    const png = await encodePng({ width: 4, height: 1, channels: 1, data: new Uint8Array([0, 127, 128, 255]) });
    const mask = await decodeMask(png, 'gt.png');
    assert.deepEqual([...mask.data], [0, 0, 255, 255]);
    const back = await decodeMask(await encodeMaskPng(mask), 'gt2.png');
    assert.deepEqual([...back.data], [...mask.data]);
    // a 1-bit palette PNG: two colours, black and white
    const meta = await sharp(await encodeMaskPng(mask)).metadata();
    assert.equal(meta.isPalette, true);
    assert.equal(meta.bitsPerSample, 1);
  });

  it('imageToGrey keeps grey pixels exact and weights colours by luma', () => {
    const image: Image = { width: 3, height: 1, channels: 3, data: new Uint8Array([77, 77, 77, 255, 0, 0, 0, 255, 0]) };
    const grey = imageToGrey(image);
    assert.equal(grey.channels, 1);
    assert.deepEqual([...grey.data], [77, 76, 150]);
  });
});
