/**
 * The sandbox's raster scene stills: a real JPEG per scene image version (the API serves JPEGs), so
 * downloading, decoding and scaling are exercised for real. A diagonal gradient keyed to the scene
 * and version, with the scene number in large block digits. Encoded once per version, kept in a
 * small cache.
 */
import { hashString } from './random.js';

export const STILL_WIDTH = 768;
export const STILL_HEIGHT = 432;

// 3×5 block digits, one row of three bits per entry.
const DIGITS = [
  '111101101101111',
  '010110010010111',
  '111001111100111',
  '111001111001111',
  '101101111001001',
  '111100111001111',
  '111100111101111',
  '111001001001001',
  '111101111101111',
  '111101111001111',
];

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  return [Math.round(f(0) * 255), Math.round(f(8) * 255), Math.round(f(4) * 255)];
}

function pixels(sceneNumber: number, hue: number): Buffer {
  const w = STILL_WIDTH;
  const h = STILL_HEIGHT;
  const data = Buffer.alloc(w * h * 4);
  const from = hslToRgb(hue, 0.45, 0.18);
  const to = hslToRgb((hue + 60) % 360, 0.55, 0.42);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t = (x / w + y / h) / 2;
      const i = (y * w + x) * 4;
      data[i] = from[0] + (to[0] - from[0]) * t;
      data[i + 1] = from[1] + (to[1] - from[1]) * t;
      data[i + 2] = from[2] + (to[2] - from[2]) * t;
      data[i + 3] = 255;
    }
  }
  const cell = 20;
  String(sceneNumber)
    .split('')
    .forEach((d, k) => {
      const glyph = DIGITS[Number(d)]!;
      for (let gy = 0; gy < 5; gy++) {
        for (let gx = 0; gx < 3; gx++) {
          if (glyph[gy * 3 + gx] !== '1') continue;
          const x0 = 72 + k * 4 * cell + gx * cell;
          const y0 = 72 + gy * cell;
          for (let y = y0; y < y0 + cell; y++) data.fill(0xff, (y * w + x0) * 4, (y * w + x0 + cell) * 4);
        }
      }
    });
  return data;
}

const cache = new Map<string, Promise<Buffer>>();
const CACHE_SIZE = 64;

/** The JPEG still of a scene's image version. */
export function sceneJpeg(scene: { id: number; sceneNumber: number }, version: number): Promise<Buffer> {
  const key = `${scene.id}:${version}:${scene.sceneNumber}`;
  let hit = cache.get(key);
  if (!hit) {
    const hue = hashString(`${scene.id}:${version}`) % 360;
    hit = import('../media/imaging.js').then((m) =>
      m.encodeJpeg(pixels(scene.sceneNumber, hue), STILL_WIDTH, STILL_HEIGHT),
    );
    hit.catch(() => cache.delete(key));
    cache.set(key, hit);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  return hit;
}
