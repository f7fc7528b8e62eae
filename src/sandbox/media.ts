/**
 * Media the sandbox serves at the URLs it hands out: a JPEG still per scene image (its `image_url`;
 * an SVG of the same still, with the description, at the same path ending in .svg) and one real
 * H.264 MP4 (assets/sample.mp4) for every video, so downloads and players work end to end.
 */
import { readFileSync } from 'node:fs';
import type { Reply } from './http.js';
import { hashString } from './random.js';
import { sceneJpeg } from './raster.js';

export const sceneImagePath = (sceneId: number, version: number, ext: 'jpg' | 'svg' = 'jpg') =>
  `/media/scenes/${sceneId}/image_v${version}.${ext}`;
export const sceneVideoPath = (sceneId: number, version: number) =>
  `/media/scenes/${sceneId}/video_v${version}.mp4`;
export const finalVideoPath = (projectId: number, version: number) =>
  `/media/videos/project_${projectId}_final_v${version}.mp4`;
export const upscaledVideoPath = (projectId: number, version: number) =>
  `/media/videos/project_${projectId}_final_v${version}_upscaled.mp4`;

export type MediaRef =
  | { kind: 'scene_image' | 'scene_video'; sceneId: number; version: number; ext: string }
  | { kind: 'final' | 'upscaled'; projectId: number; version: number };

export function parseMediaPath(path: string): MediaRef | undefined {
  let m = /^\/media\/scenes\/(\d{1,9})\/(image|video)_v(\d{1,6})\.(svg|jpg|mp4)$/.exec(path);
  if (m) {
    const kind = m[2] === 'image' ? 'scene_image' : 'scene_video';
    if ((kind === 'scene_image') !== (m[4] !== 'mp4')) return undefined;
    return { kind, sceneId: Number(m[1]), version: Number(m[3]), ext: m[4]! };
  }
  m = /^\/media\/videos\/project_(\d{1,9})_final_v(\d{1,6})(_upscaled)?\.mp4$/.exec(path);
  if (m) return { kind: m[3] ? 'upscaled' : 'final', projectId: Number(m[1]), version: Number(m[2]) };
  return undefined;
}

// Resolves from both src/sandbox (tsx, vitest) and dist/sandbox (compiled): assets/ sits two levels up.
const SAMPLE_MP4_URL = new URL('../../assets/sample.mp4', import.meta.url);
let sampleMp4: Buffer | undefined;

export function sampleVideo(): Buffer {
  sampleMp4 ??= readFileSync(SAMPLE_MP4_URL);
  return sampleMp4;
}

const escapeXml = (text: string): string =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );

function wrap(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    lines.length = maxLines;
    lines[maxLines - 1] = `${lines[maxLines - 1]!.slice(0, width - 1)}…`;
  }
  return lines;
}

/** A 1280×720 still: the scene number and description over a gradient keyed to the scene. */
export function sceneSvg(
  scene: { sceneNumber: number; description: string; id: number },
  version: number,
): string {
  const hue = hashString(`${scene.id}:${version}`) % 360;
  const lines = wrap(scene.description, 48, 5)
    .map((l, i) => `<tspan x="80" dy="${i === 0 ? 0 : 52}">${escapeXml(l)}</tspan>`)
    .join('');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="720" viewBox="0 0 1280 720">',
    '<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">',
    `<stop offset="0" stop-color="hsl(${hue},45%,18%)"/><stop offset="1" stop-color="hsl(${(hue + 60) % 360},55%,38%)"/>`,
    '</linearGradient></defs>',
    '<rect width="1280" height="720" fill="url(#bg)"/>',
    `<text x="80" y="180" font-family="Helvetica, Arial, sans-serif" font-size="96" font-weight="700" fill="#fff">Scene ${scene.sceneNumber}</text>`,
    `<text x="80" y="300" font-family="Helvetica, Arial, sans-serif" font-size="40" fill="#f0f0f0">${lines}</text>`,
    '</svg>',
  ].join('');
}

/** Serves bytes with HEAD and single-range support, which video players rely on for seeking. */
export function serveBytes(rangeHeader: string | undefined, bytes: Buffer, contentType: string): Reply {
  const headers: Record<string, string> = {
    'content-type': contentType,
    'accept-ranges': 'bytes',
    'cache-control': 'public, max-age=31536000, immutable',
    etag: `"${hashString(bytes.toString('latin1')).toString(16)}-${bytes.length}"`,
  };
  let status = 200;
  let body = bytes;
  const range = rangeHeader ? /^bytes=(\d*)-(\d*)$/.exec(rangeHeader.trim()) : null;
  if (range && (range[1] || range[2])) {
    const size = bytes.length;
    let start: number;
    let end: number;
    if (range[1] === '') {
      start = Math.max(0, size - Number(range[2]));
      end = size - 1;
    } else {
      start = Number(range[1]);
      end = range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1);
    }
    if (start >= size || start > end) {
      return { status: 416, headers: { 'content-range': `bytes */${size}` }, body: Buffer.alloc(0) };
    }
    status = 206;
    body = bytes.subarray(start, end + 1);
    headers['content-range'] = `bytes ${start}-${end}/${size}`;
  }
  return { status, headers, body };
}

export interface MediaLookup {
  /** The scene with its media versions as of now (a running job may have finished some). */
  liveScene(
    sceneId: number,
  ):
    | { scene: { id: number; sceneNumber: number; description: string }; image: number; video: number }
    | undefined;
  find(projectId: number): { finalVersion: number; upscaledVersion: number } | undefined;
}

/** Any version up to the current one is served: a client may still hold an older URL. */
export async function mediaReply(
  lookup: MediaLookup,
  path: string,
  rangeHeader: string | undefined,
): Promise<Reply | undefined> {
  const ref = parseMediaPath(path);
  if (!ref || ref.version < 1) return undefined;
  if ('projectId' in ref) {
    const project = lookup.find(ref.projectId);
    const latest = ref.kind === 'final' ? project?.finalVersion : project?.upscaledVersion;
    if (!latest || ref.version > latest) return undefined;
    return serveBytes(rangeHeader, sampleVideo(), 'video/mp4');
  }
  const live = lookup.liveScene(ref.sceneId);
  if (!live) return undefined;
  if (ref.kind === 'scene_image') {
    if (ref.version > live.image) return undefined;
    if (ref.ext === 'jpg')
      return serveBytes(rangeHeader, await sceneJpeg(live.scene, ref.version), 'image/jpeg');
    return serveBytes(
      rangeHeader,
      Buffer.from(sceneSvg(live.scene, ref.version)),
      'image/svg+xml; charset=utf-8',
    );
  }
  if (ref.version > live.video) return undefined;
  return serveBytes(rangeHeader, sampleVideo(), 'video/mp4');
}
