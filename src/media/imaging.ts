/**
 * Raster work, in pure JavaScript (jimp's JPEG and PNG codecs and its resizer) so the same code runs
 * in the Claude Desktop bundle on macOS, Windows and Linux with no native binary. This module is
 * loaded only when images are asked for, and the build bundles it with jimp into one file
 * (scripts/bundle-cli.mjs): start-up never pays for it.
 */
import { createJimp } from '@jimp/core';
import jpeg from '@jimp/js-jpeg';
import png from '@jimp/js-png';
import { ResizeStrategy, methods as resize } from '@jimp/plugin-resize';

const Jimp = createJimp({ formats: [jpeg, png], plugins: [resize] });

export interface Thumbnail {
  data: Buffer;
  mimeType: 'image/jpeg';
  width: number;
  height: number;
}

/** Decodes a JPEG or PNG and re-encodes it as a JPEG whose longest side is at most `maxSide`. */
export async function thumbnail(bytes: Buffer, maxSide = 512, quality = 70): Promise<Thumbnail> {
  const image = await Jimp.fromBuffer(bytes, { 'image/jpeg': { maxResolutionInMP: 50 } });
  const { width, height } = image.bitmap;
  if (Math.max(width, height) > maxSide) {
    image.scaleToFit({ w: maxSide, h: maxSide, mode: ResizeStrategy.BILINEAR });
  }
  const data = await image.getBuffer('image/jpeg', { quality });
  return { data, mimeType: 'image/jpeg', width: image.bitmap.width, height: image.bitmap.height };
}

/** Encodes raw RGBA pixels as a JPEG (the sandbox's scene stills). */
export async function encodeJpeg(rgba: Buffer, width: number, height: number, quality = 82): Promise<Buffer> {
  return new Jimp({ data: rgba, width, height }).getBuffer('image/jpeg', { quality });
}
