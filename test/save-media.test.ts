/**
 * src/media/save.ts against a storage host that misbehaves in the ways real ones do: a file that
 * changes under the same URL, a Range request answered whole, a body shorter than announced, an
 * HTML error page where a video should be. Each time: the right bytes or a clear failure, never a
 * spliced file, never a temporary file left behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SaveItem, saveMedia } from '../src/media/save.js';

interface Behaviour {
  body: Buffer;
  type?: string;
  /** Ignore Range headers (answer 200 with the whole file). */
  noRanges?: boolean;
  /** Announce the full length but send only this many bytes, then close (for the next `cuts` requests). */
  cutAt?: number;
  cuts?: number;
}

let server: Server;
let base: string;
let current: Behaviour;
const seen: { range?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ range: req.headers.range });
    const b = current;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m && !b.noRanges ? Number(m[1]) : 0;
    const headers: Record<string, string> = {
      'content-type': b.type ?? 'video/mp4',
      'content-length': String(b.body.length - start),
      etag: `"${b.body.length}-${b.body[0]}"`,
    };
    if (start) headers['content-range'] = `bytes ${start}-${b.body.length - 1}/${b.body.length}`;
    res.writeHead(start ? 206 : 200, headers);
    if (b.cutAt !== undefined && (b.cuts ?? 0) > 0) {
      b.cuts! -= 1;
      res.write(b.body.subarray(start, b.cutAt), () => res.socket?.destroy());
      return;
    }
    res.end(b.body.subarray(start));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let dir: string;
afterEach(() => {
  seen.length = 0;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const video = (stem = 'film'): SaveItem => ({ url: `${base}/v.mp4`, stem, ext: '.mp4', kind: 'video' });
const save = (items: SaveItem[], folder = dir) =>
  saveMedia(folder, items, { signal: new AbortController().signal, resumeDelayMs: () => 1 });
const fresh = () => {
  dir = mkdtempSync(join(tmpdir(), 'save-media-'));
  return dir;
};

describe('saveMedia', () => {
  it('a file regenerated under the same URL is a new file; the old one is kept and still recognised', async () => {
    fresh();
    const a = randomBytes(50_000);
    const b = randomBytes(50_000);
    current = { body: a };
    const [first] = await save([video()]);
    current = { body: b };
    const [second] = await save([video()]);
    current = { body: a };
    const [again] = await save([video()]);
    expect(first).toMatchObject({ saved: { path: join(dir, 'film.mp4'), existed: false } });
    expect(second).toMatchObject({ saved: { path: join(dir, 'film-2.mp4'), existed: false } });
    expect(again).toMatchObject({ saved: { path: join(dir, 'film.mp4'), existed: true } });
    expect(readFileSync(join(dir, 'film.mp4')).equals(a)).toBe(true);
    expect(readFileSync(join(dir, 'film-2.mp4')).equals(b)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['film-2.mp4', 'film.mp4']);
  });

  it('a server that ignores Range sends the file whole: it is started over, not spliced', async () => {
    fresh();
    const body = randomBytes(200_000);
    current = { body, noRanges: true, cutAt: 80_000, cuts: 1 };
    const [r] = await save([video()]);
    expect(r).toMatchObject({ saved: { bytes: body.length } });
    expect(readFileSync(join(dir, 'film.mp4')).equals(body)).toBe(true);
    expect(seen[1]?.range).toMatch(/^bytes=\d+-$/);
  });

  it('a body that keeps ending short of its announced length fails after the resumes, leaving nothing', async () => {
    const folder = join(fresh(), 'videos', 'scene-projects');
    current = { body: randomBytes(100_000), cutAt: 40_000, cuts: 100 };
    const [r] = await save([video()], folder);
    expect(r).toMatchObject({ error: expect.stringMatching(/connection|closed|socket/i) });
    expect(seen.length).toBe(6); // the first request and five resumes
    // Nothing was saved, and the folders this call made are gone again.
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses an HTML page where a video should be, and saves the other items', async () => {
    fresh();
    current = { body: Buffer.from('<html>Access denied</html>'), type: 'text/html' };
    const image: SaveItem = { url: `${base}/x.jpg`, stem: 'still', ext: '.jpg', kind: 'image' };
    const results = await save([video(), image]);
    expect(results[0]).toMatchObject({ error: 'the URL answered text/html, not a video' });
    expect(results[1]).toMatchObject({ error: 'the URL answered text/html, not an image' });
    expect(readdirSync(dir)).toEqual([]);
  });
});
