/** GET /healthz: liveness, the mode, the session and held-connection counts — never a secret. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Runtime } from '../runtime.js';
import { sendJsonError } from './http-guards.js';

export function answerHealth(
  rt: Runtime,
  counts: { sessions: number; streams: number },
  req: IncomingMessage,
  res: ServerResponse,
): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJsonError(res, 405, -32000, 'Method not allowed: use GET.', { allow: 'GET, HEAD' });
    return;
  }
  const body = JSON.stringify({
    ok: true,
    version: rt.version,
    mode: rt.sandbox ? 'sandbox' : rt.config.api.token ? 'live' : 'unconfigured',
    sessions: counts.sessions,
    streams: counts.streams,
  });
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}
