/**
 * What the doctor learns from the service: one GET of the project list (with the token when there is
 * one), read through the client's own transport, so a failure is classified and redacted exactly as a
 * tool call's would be. Nothing here spends or creates anything.
 */
import { bodyKind, parseJson } from '../api/answer-body.js';
import { DEFAULT_USER_AGENT } from '../api/client.js';
import { reasonWords } from '../api/errors/no-answer.js';
import { HttpTransport, type RawResponse, type Timeouts, TransportError } from '../api/http.js';
import { ProjectList } from '../api/schemas.js';

/** Short enough that a new user is not left waiting; long enough for a distant service. */
export const DOCTOR_TIMEOUTS: Timeouts = { connectMs: 5_000, headersMs: 10_000, bodyMs: 10_000 };

export type Probe =
  | { kind: 'no_answer'; reason: TransportError['reason']; words: string }
  | { kind: 'answer'; res: RawResponse; projects?: number; shape: string; receivedAt: number };

export class ServiceProbe {
  private readonly transport: HttpTransport;

  constructor(
    url: string,
    private readonly token: string | undefined,
    secrets: readonly string[],
  ) {
    this.transport = new HttpTransport(url, DOCTOR_TIMEOUTS, secrets);
  }

  /** GET /scene-projects (optionally for one person). */
  async list(personId?: number): Promise<Probe> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': DEFAULT_USER_AGENT };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const path = personId === undefined ? '/scene-projects' : `/scene-projects?person_id=${personId}`;
    try {
      const res = await this.transport.send({ method: 'GET', path, headers });
      const parsed = res.status < 300 ? ProjectList.safeParse(parseJson(res.text)) : undefined;
      return {
        kind: 'answer',
        res,
        projects: parsed?.success ? parsed.data.length : undefined,
        shape: bodyKind(res),
        receivedAt: Date.now(),
      };
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      return { kind: 'no_answer', reason: err.reason, words: reasonWords(err, DOCTOR_TIMEOUTS) };
    }
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

/** The `detail` of a FastAPI-style error body, when there is one (already redacted by the transport). */
export function detailOf(res: RawResponse): string | undefined {
  const json = parseJson(res.text) as { detail?: unknown } | undefined;
  const d = json && typeof json === 'object' ? json.detail : undefined;
  return typeof d === 'string' ? d.slice(0, 200) : undefined;
}

/** Seconds our clock is ahead of the service's (negative: behind), from the answer's Date header. */
export function clockSkewSeconds(res: RawResponse, receivedAt: number): number | undefined {
  const raw = res.headers.date;
  const date = Date.parse(Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? ''));
  if (Number.isNaN(date)) return undefined;
  // The header has whole seconds: allow for the truncation before calling a difference skew.
  return Math.round((receivedAt - date) / 1000);
}
