/**
 * What the gate says once the upstream spend call has answered: a refusal the service proved it did
 * not act on (the quote is given back), or a spend whose scenes the service now reports differently
 * from those the person agreed to (an edit made outside this server, which no lock of ours can stop).
 */
import type { ApiErrorKind } from '../api/contract.js';
import { ApiError } from '../api/errors/index.js';
import { redactSecrets } from '../log.js';
import type { ConsentChannel, SpendContext } from './channel.js';
import { hashScenes } from './scenes-hash.js';

/**
 * Errors after which the upstream provably did not spend: the reservation is released and the quote
 * given back. The client fails a spending POST with `unavailable` only when the request never reached
 * the service; a lost answer or a 5xx is reconciled, and what stays unclear is `spend_unknown` (kept).
 */
const NOT_SPENT: readonly ApiErrorKind[] = [
  'validation',
  'unauthorized',
  'insufficient_credits',
  'not_found',
  'wrong_state',
  'rate_limited',
  'unavailable',
  'not_configured',
];

export const provenNotSpent = (err: unknown): err is ApiError =>
  err instanceof ApiError && NOT_SPENT.includes(err.kind);

export interface UnspentQuote {
  action: string;
  credits: number;
  expires_at: string;
}

/** The refusal's text and next step once the quote was given back: retrying is real advice now. */
export function unspentRefusal(
  err: ApiError,
  quote: UnspentQuote,
  via: ConsentChannel['kind'],
): { message: string; next: string } {
  const what = err.hint && !err.message.includes(err.hint) ? `${err.message} ${err.hint}` : err.message;
  const spent = /nothing was (?:done|charged|spent|sent)/i.test(what) ? '' : ' Nothing was spent.';
  const valid = `the quote stays valid until ${quote.expires_at}`;
  const again =
    via === 'arguments'
      ? `call ${quote.action} again with the same quote_token, confirm_credits: true and max_credits: ${quote.credits} (${valid})`
      : via === 'app'
        ? `the person can click the same figure in the storyboard again (${valid})`
        : `call ${quote.action} again (the person will be asked again)`;
  const wait =
    err.kind === 'rate_limited'
      ? `Wait ${err.retryAfterSeconds !== undefined ? `${err.retryAfterSeconds} s` : 'a little while'}, then ${again}.`
      : `Once that is dealt with, ${again}.`;
  return {
    message: redactSecrets(`${what}${spent} The quote was not used up.`),
    next: redactSecrets(wait),
  };
}

/**
 * Reads the project back after a spend and compares its scenes with the quote. Returns a warning for
 * the person when they differ in a way the spend itself does not explain, else undefined. Best effort:
 * a failed read is logged, never turned into an error after credits were spent.
 */
export async function scenesDriftWarning(
  ctx: Pick<SpendContext, 'api' | 'signal' | 'log'>,
  projectId: number,
  quoted: string,
  alsoExpected: readonly string[] = [],
): Promise<string | undefined> {
  if (ctx.signal.aborted) return undefined;
  let now: string;
  try {
    const p = await ctx.api.getProject(projectId, { signal: ctx.signal });
    now = hashScenes(p.scenes ?? []);
  } catch (err) {
    ctx.log('warning', 'could not re-check the scenes after the spend', {
      project_id: projectId,
      error: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
  if (now === quoted || alsoExpected.includes(now)) return undefined;
  ctx.log('warning', 'scenes differ from the quote after the spend (edited outside this server)', {
    project_id: projectId,
  });
  return (
    `Warning: the scenes of project ${projectId} as the service reports them now differ from those the person agreed to. ` +
    'They were changed outside this server (another app or person editing the project) while the spend was made, ' +
    'so the credits were charged and the work uses the scenes as they are now. Tell the person plainly, and show them the scenes with get_project.'
  );
}
