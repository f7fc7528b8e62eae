/**
 * Reads media (scene images, videos) from the URLs the API hands out. Those live on a storage host,
 * not the API: no Authorization header is ever sent (the API token stays with the API). undici is
 * loaded on first use; redirects (signed storage URLs) are followed.
 */
import type { Dispatcher } from 'undici';

export class MediaError extends Error {
  override name = 'MediaError';
  constructor(
    message: string,
    /** The connection dropped mid-way: worth resuming. */
    readonly dropped = false,
  ) {
    super(message);
  }
}

export interface MediaResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

export interface MediaHttp {
  /**
   * GET the URL, from byte `start` on when given (HTTP Range); with `ifRange` (the first answer's
   * strong ETag) a server whose file changed since sends it whole instead of a part of another file.
   */
  get(url: string, opts: { signal?: AbortSignal; start?: number; ifRange?: string }): Promise<MediaResponse>;
  close(): Promise<void>;
}

const TIMEOUTS = { connect: 10_000, headers: 30_000, body: 30_000 };

/** One agent per operation (a download, a set of scene images), closed by the caller when it ends. */
export function mediaHttp(): MediaHttp {
  let agent: Promise<{ base: Dispatcher; composed: Dispatcher }> | undefined;
  const get = () => {
    agent ??= import('undici').then(({ Agent, interceptors }) => {
      const base = new Agent({
        connect: { timeout: TIMEOUTS.connect },
        headersTimeout: TIMEOUTS.headers,
        bodyTimeout: TIMEOUTS.body,
      });
      return { base, composed: base.compose(interceptors.redirect({ maxRedirections: 5 })) };
    });
    return agent;
  };
  return {
    async get(url, { signal, start, ifRange }) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new MediaError(`"${url}" is not a URL`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw new MediaError(`only http(s) media URLs can be read, not ${parsed.protocol}`);
      }
      const { composed } = await get();
      try {
        const res = await composed.request({
          origin: parsed.origin,
          path: `${parsed.pathname}${parsed.search}`,
          method: 'GET',
          headers: start ? { range: `bytes=${start}-`, ...(ifRange && { 'if-range': ifRange }) } : {},
          signal,
        });
        return { status: res.statusCode, headers: res.headers, body: res.body };
      } catch (err) {
        throw asMediaError(err, signal);
      }
    },
    async close() {
      if (!agent) return;
      const { base } = await agent;
      await base.close().catch(() => base.destroy());
    },
  };
}

const DROPPED = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

function codeOf(err: unknown): string | undefined {
  for (let e = err, i = 0; e && typeof e === 'object' && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** A failure while connecting or reading, as a MediaError saying whether a resume is worth it. */
export function asMediaError(err: unknown, signal?: AbortSignal): MediaError {
  if (err instanceof MediaError) return err;
  if (signal?.aborted) return new MediaError('cancelled');
  const code = codeOf(err);
  const text = code ?? (err instanceof Error ? err.message : String(err));
  return new MediaError(`the connection failed (${text})`, code !== undefined && DROPPED.has(code));
}

/** Reads a whole (small) body, refusing past `maxBytes`. */
export async function readAll(res: MediaResponse, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        discard(res);
        throw new MediaError(`larger than ${Math.round(maxBytes / 1024 / 1024)} MB`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    throw asMediaError(err, signal);
  }
  return Buffer.concat(chunks);
}

/** Drops a body we will not read (undici reports a destroyed body as an error: nobody is listening). */
export function discard(res: MediaResponse): void {
  res.body.on('error', () => {});
  res.body.destroy();
}

export const header = (res: MediaResponse, name: string): string | undefined => {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
};
