/**
 * The doctor's checks, each a pure judgement of what was configured and what the service answered:
 * a status, what was found, and — unless all is well — what to do about it.
 */
import { isLoopback, MIN_API_TOKEN_LENGTH } from '../config.js';
import { clockSkewSeconds, detailOf, type Probe } from './probe.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export interface DoctorTarget {
  /** As it may be shown (query values replaced). */
  shownUrl: string;
  url: string;
  token?: string;
  personId?: number;
  sandbox: boolean;
}

const URL_FIX =
  'Set --api-url / TWIN_API_URL to the API base URL, https://api.twin.actor/api/v1 unless you were given another (it ends in /api/v1).';

export function tokenCheck(t: DoctorTarget): Check {
  const name = 'API token';
  if (t.sandbox) return { name, status: 'ok', detail: "the sandbox's own token (simulated account)." };
  if (!t.token) {
    return {
      name,
      status: 'fail',
      detail: 'TWIN_API_TOKEN is not set.',
      fix: "Put your Scene Projects API token in TWIN_API_TOKEN (the host's env block; never a flag), or add --sandbox to try everything without an account.",
    };
  }
  if (t.token.length < MIN_API_TOKEN_LENGTH && !isLoopback(new URL(t.url).hostname)) {
    return {
      name,
      status: 'fail',
      detail: `TWIN_API_TOKEN has ${t.token.length} characters, fewer than any real token.`,
      fix: 'Copy the whole token again, without quotes or a "Bearer " prefix.',
    };
  }
  return { name, status: 'ok', detail: `TWIN_API_TOKEN is set (${t.token.length} characters; not shown).` };
}

const NO_ANSWER_FIX: Record<string, string> = {
  refused: `Nothing listens at that address. ${URL_FIX}`,
  dns: `Check the host name's spelling and your network. ${URL_FIX}`,
  tls: 'The certificate was refused: check the URL is https://api.twin.actor/api/v1 (or your gateway), and that no proxy intercepts TLS.',
};

/** Reachable, answering like the Scene Projects API, and taking the token: three checks from one answer. */
export function serviceChecks(t: DoctorTarget, p: Probe): Check[] {
  const reach = 'API reachable';
  const like = 'answers like the API';
  const accepted = 'token accepted';
  if (p.kind === 'no_answer') {
    const fix =
      NO_ANSWER_FIX[p.reason] ??
      `Check your network, firewall or proxy, and the URL. ${URL_FIX} Try again in a minute if the service is down.`;
    return [
      { name: reach, status: 'fail', detail: `could not reach ${t.shownUrl}: ${p.words}.`, fix },
      skipped(like, 'the API could not be reached'),
      skipped(accepted, 'the API could not be reached'),
    ];
  }
  const { status } = p.res;
  const ok: Check = { name: reach, status: 'ok', detail: `${t.shownUrl} answered (HTTP ${status}).` };
  if (status === 401 || status === 403) {
    const isJson = p.shape !== 'an HTML page, perhaps from a proxy';
    const detail = detailOf(p.res);
    return [
      ok,
      isJson
        ? { name: like, status: 'ok', detail: `a JSON refusal, as the API gives for a bad token.` }
        : { name: like, status: 'fail', detail: `HTTP ${status} with ${p.shape}.`, fix: URL_FIX },
      t.token
        ? {
            name: accepted,
            status: 'fail',
            detail: `the service refused the token (HTTP ${status}${detail ? `: "${detail}"` : ''}).`,
            fix: 'Copy the token again from your twin.actor account into TWIN_API_TOKEN (the whole token, no quotes, no "Bearer " prefix); check that it belongs to this API URL and was not revoked.',
          }
        : skipped(accepted, 'no token is set'),
    ];
  }
  if (status >= 200 && status < 300) {
    if (p.projects === undefined) {
      return [
        ok,
        {
          name: like,
          status: 'fail',
          detail: `GET /scene-projects answered ${p.shape}, not a list of projects.`,
          fix: `Is this the Scene Projects API? A login page or a proxy may be in the way. ${URL_FIX}`,
        },
        skipped(accepted, 'the answer was not the API’s'),
      ];
    }
    return [
      ok,
      { name: like, status: 'ok', detail: `GET /scene-projects listed ${p.projects} project(s).` },
      { name: accepted, status: 'ok', detail: 'the service accepted it.' },
    ];
  }
  return [ok, ...otherStatus(t, status, p), skipped(accepted, `the service answered HTTP ${status}`)];
}

function otherStatus(t: DoctorTarget, status: number, p: Probe & { kind: 'answer' }): Check[] {
  const name = 'answers like the API';
  if (status === 404) {
    return [
      { name, status: 'fail', detail: `${t.shownUrl} has no /scene-projects (HTTP 404).`, fix: URL_FIX },
    ];
  }
  if (status === 429) {
    const after = p.res.headers['retry-after'];
    return [
      {
        name,
        status: 'warn',
        detail: `the service is limiting requests (HTTP 429${after ? `, retry after ${String(after)} s` : ''}).`,
        fix: 'Wait a minute and run the doctor again; another program may be using the same token heavily.',
      },
    ];
  }
  return [
    {
      name,
      status: 'fail',
      detail: `GET /scene-projects answered HTTP ${status} with ${p.shape}.`,
      fix:
        status >= 500
          ? 'The service (or a proxy before it) is failing: try again in a few minutes.'
          : `Unexpected for the Scene Projects API. ${URL_FIX}`,
    },
  ];
}

const skipped = (name: string, why: string): Check => ({
  name,
  status: 'skip',
  detail: `not checked: ${why}.`,
});

const NO_LOOKUP =
  'The service has no person lookup, so an id can only be proved by use: the first create_story answers "Person N not found" when it is wrong.';

/** The person id: set, and seen on the account's projects when possible. */
export function personCheck(t: DoctorTarget, byPerson: Probe | undefined): Check {
  const name = 'person id';
  if (t.personId === undefined) {
    return {
      name,
      status: 'warn',
      detail: `TWIN_PERSON_ID is not set, so create_story needs person_id in every call. ${NO_LOOKUP}`,
      fix: 'Set TWIN_PERSON_ID (or --person-id) to the id of the person (character) who stars in your videos, from your twin.actor account.',
    };
  }
  if (t.sandbox && t.personId === 1) return { name, status: 'ok', detail: "person 1, the sandbox's person." };
  if (byPerson?.kind === 'answer' && byPerson.projects !== undefined && byPerson.projects > 0) {
    return { name, status: 'ok', detail: `person ${t.personId} has ${byPerson.projects} project(s).` };
  }
  if (byPerson?.kind === 'answer' && byPerson.projects === 0) {
    return {
      name,
      status: 'warn',
      detail: `no project of person ${t.personId} yet, so the id is not confirmed. ${NO_LOOKUP}`,
      fix: `If create_story answers "Person ${t.personId} not found", set TWIN_PERSON_ID to an id from your twin.actor account.`,
    };
  }
  return skipped(name, 'the API did not list projects');
}

/** Quotes expire by our clock and reconciliation reads the service's: a clock far off breaks both. */
export function clockCheck(p: Probe): Check {
  const name = 'clock';
  if (p.kind !== 'answer') return skipped(name, 'the API could not be reached');
  const skew = clockSkewSeconds(p.res, p.receivedAt);
  if (skew === undefined) return skipped(name, 'the answer had no Date header');
  const words = `${Math.abs(skew)} s ${skew >= 0 ? 'ahead of' : 'behind'} the service`;
  if (Math.abs(skew) <= 60)
    return { name, status: 'ok', detail: `within a minute of the service (${words}).` };
  return {
    name,
    status: Math.abs(skew) > 600 ? 'fail' : 'warn',
    detail: `this machine's clock is ${words}; quotes (valid 10 minutes) may expire early or late.`,
    fix: 'Turn on automatic time (Linux: `timedatectl set-ntp true`; macOS/Windows: Date & Time settings).',
  };
}
