/**
 * One media file streamed into a file we already opened: hashed (SHA-256) as it arrives, checked
 * against the length the server announced, and resumed with HTTP Range where a dropped connection
 * left off. A server that ignores the Range, or whose file changed meanwhile (If-Range), sends it
 * whole, and we start over rather than splice two files.
 */
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { asMediaError, discard, header, MediaError, type MediaHttp, type MediaResponse } from './http.js';

export interface Downloaded {
  bytes: number;
  sha256: string;
  contentType?: string;
}

export interface DownloadOptions {
  signal: AbortSignal;
  /** Bytes so far and the announced total (when known). Called at most every `progressEveryMs`. */
  onProgress?: (bytes: number, total: number | undefined) => void;
  /** Accepts or refuses the answer's media type (e.g. a video URL that answers text/html). */
  accept: (contentType: string | undefined) => string | undefined;
  /** Resumes after dropped connections, per download. */
  maxResumes?: number;
  /** Wait before resume n (1-based); short, the storage host just dropped us. */
  resumeDelayMs?: (n: number) => number;
  progressEveryMs?: number;
}

const contentRange = (res: MediaResponse) => {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header(res, 'content-range')?.trim() ?? '');
  return m ? { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) } : undefined;
};

const announced = (res: MediaResponse): number | undefined => {
  if (res.status === 206) return contentRange(res)?.total;
  const n = Number(header(res, 'content-length'));
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
};

const strongEtag = (res: MediaResponse) => {
  const e = header(res, 'etag');
  return e && !e.startsWith('W/') ? e : undefined;
};

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((done, fail) => {
    const t = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      done();
    }, ms);
    const stop = () => {
      clearTimeout(t);
      fail(new MediaError('cancelled'));
    };
    signal.addEventListener('abort', stop, { once: true });
  });

export async function download(
  http: MediaHttp,
  url: string,
  out: FileHandle,
  opts: DownloadOptions,
): Promise<Downloaded> {
  const { signal, maxResumes = 5 } = opts;
  const delay = opts.resumeDelayMs ?? ((n) => 250 * n);
  let written = 0;
  let hash: Hash = createHash('sha256');
  let total: number | undefined;
  let etag: string | undefined;
  let contentType: string | undefined;
  let lastProgress = 0;
  const restart = async () => {
    written = 0;
    hash = createHash('sha256');
    total = undefined;
    etag = undefined;
    await out.truncate(0);
  };

  for (let resumes = 0; ; ) {
    try {
      const res = await http.get(url, { signal, ...(written > 0 && { start: written, ifRange: etag }) });
      const part = res.status === 206 ? contentRange(res) : undefined;
      if (res.status === 206 && (written === 0 || part?.start !== written || part.total !== total)) {
        // Not the part we asked for (or another file's): drop it and ask for the whole file again.
        discard(res);
        await restart();
        throw new MediaError('the server sent a part that does not continue the file', true);
      }
      if (res.status !== 200 && res.status !== 206) {
        discard(res);
        throw new MediaError(`HTTP ${res.status}`, res.status >= 500 || res.status === 408);
      }
      if (res.status === 200) {
        if (written > 0) await restart();
        contentType = header(res, 'content-type');
        const refused = opts.accept(contentType);
        if (refused) {
          discard(res);
          throw new MediaError(refused);
        }
        total = announced(res);
        etag = strongEtag(res);
      }
      for await (const chunk of res.body) {
        const b = chunk as Buffer;
        await out.write(b, 0, b.length, written);
        hash.update(b);
        written += b.length;
        if (total !== undefined && written > total)
          throw new MediaError(`more than the ${total} bytes announced`);
        const now = Date.now();
        if (opts.onProgress && now - lastProgress >= (opts.progressEveryMs ?? 250)) {
          lastProgress = now;
          opts.onProgress(written, total);
        }
      }
      if (total !== undefined && written !== total) {
        throw new MediaError(`the connection closed at ${written} of ${total} bytes`, true);
      }
      opts.onProgress?.(written, total);
      return { bytes: written, sha256: hash.digest('hex'), contentType };
    } catch (err) {
      const e = asMediaError(err, signal);
      if (!e.dropped || signal.aborted || resumes >= maxResumes) throw e;
      resumes += 1;
      await pause(delay(resumes), signal);
    }
  }
}

/** SHA-256 of a file on disk, streamed. */
export async function fileSha256(path: string): Promise<string> {
  const { createReadStream } = await import('node:fs');
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
