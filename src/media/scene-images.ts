/**
 * The scenes' generated images as the model can see them: each fetched, scaled to a JPEG whose
 * longest side is at most 512 px (a 10-scene project stays a few hundred KB), in scene order. An
 * image that cannot be fetched or decoded is named in the text; the others still come.
 */
import type { Scene } from '../api/schemas.js';
import { discard, header, MediaError, mediaHttp, readAll } from './http.js';

export const MAX_SIDE = 512;
const MAX_SOURCE_BYTES = 25 * 1024 * 1024;
const FETCH_CONCURRENCY = 3;

export interface ImageBlock {
  /** Shown just before the image, so the model knows which scene it is. */
  label: string;
  /** Base64. */
  data: string;
  mimeType: string;
}

export interface SceneImages {
  images: ImageBlock[];
  /** Lines for the tool's text: what came, its total size, and what did not. */
  lines: string[];
}

type Outcome = { scene: number; ok: true; bytes: Buffer } | { scene: number; ok: false; why: string };

async function fetchOne(
  http: ReturnType<typeof mediaHttp>,
  url: string,
  signal: AbortSignal,
): Promise<Buffer> {
  const res = await http.get(url, { signal });
  if (res.status !== 200) {
    discard(res);
    throw new MediaError(`HTTP ${res.status}`);
  }
  const type = header(res, 'content-type') ?? '';
  if (type && !/^image\/(jpeg|jpg|png)\b/i.test(type) && !/octet-stream/i.test(type)) {
    discard(res);
    throw new MediaError(`${type.split(';')[0]} cannot be decoded here (JPEG and PNG can)`);
  }
  return readAll(res, MAX_SOURCE_BYTES, signal);
}

export async function sceneImages(scenes: readonly Scene[], signal: AbortSignal): Promise<SceneImages> {
  const sorted = [...scenes].sort((a, b) => a.scene_number - b.scene_number);
  const withImage = sorted.filter((s) => typeof s.image_url === 'string' && s.image_url);
  const missing = sorted.filter((s) => !withImage.includes(s)).map((s) => s.scene_number);
  const http = mediaHttp();
  const fetched: Outcome[] = [];
  try {
    // A few at a time: the storage host is one origin, and the decoder is the slower part anyway.
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(FETCH_CONCURRENCY, withImage.length) }, async () => {
        while (next < withImage.length) {
          const s = withImage[next++]!;
          try {
            fetched.push({
              scene: s.scene_number,
              ok: true,
              bytes: await fetchOne(http, s.image_url!, signal),
            });
          } catch (err) {
            if (signal.aborted) throw err;
            fetched.push({ scene: s.scene_number, ok: false, why: `could not be fetched (${reason(err)})` });
          }
        }
      }),
    );
  } finally {
    await http.close();
  }
  fetched.sort((a, b) => a.scene - b.scene);

  const { thumbnail } = await import('./imaging.js');
  const images: ImageBlock[] = [];
  const failed: string[] = [];
  let total = 0;
  for (const f of fetched) {
    if (signal.aborted) throw new MediaError('cancelled');
    if (!f.ok) {
      failed.push(`scene ${f.scene}: image ${f.why}`);
      continue;
    }
    try {
      const t = await thumbnail(f.bytes, MAX_SIDE);
      total += t.data.length;
      images.push({
        label: `Scene ${f.scene} (${t.width}×${t.height})`,
        data: t.data.toString('base64'),
        mimeType: t.mimeType,
      });
    } catch (err) {
      failed.push(`scene ${f.scene}: image could not be decoded (${reason(err)})`);
    }
    // Decoding is synchronous work: let other requests and progress through between images.
    await new Promise((r) => setImmediate(r));
  }

  const lines: string[] = [];
  if (images.length) {
    lines.push(
      `Scene images below (JPEG, longest side ≤ ${MAX_SIDE} px, ${kb(total)} in all): ${images.map((i) => i.label.split(' (')[0]!.toLowerCase()).join(', ')}.`,
    );
  }
  if (failed.length) lines.push(`Not shown: ${failed.join('; ')}.`);
  if (missing.length) {
    lines.push(
      `No image yet for scene${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (images appear as generation makes them).`,
    );
  }
  return { images, lines };
}

const kb = (bytes: number) =>
  bytes < 1024 * 1024
    ? `${Math.max(1, Math.round(bytes / 1024))} KB`
    : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s+/g, ' ').slice(0, 120);
}
