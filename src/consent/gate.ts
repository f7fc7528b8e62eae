/**
 * The spend gate: the one place between a spending tool and the client's spend call.
 *
 * No credit moves unless the person agreed to the figure:
 * - a client that can elicit: the server asks the person; only an explicit accept of the sealed quote spends;
 * - a client that cannot: the call must carry confirm_credits, the quote token and max_credits ≥ the figure,
 *   so the host's own approval prompt shows the person the number;
 * - an application outside MCP: its confirmSpend callback decides;
 * - nobody to ask: refused.
 * The quote is re-checked against the project's current content at the moment of spending, and the
 * credit limits hold through a reservation taken before the call and settled after it.
 */
import { createHash } from 'node:crypto';
import type { ApiErrorKind } from '../api/contract.js';
import { ApiError } from '../api/errors/index.js';
import type { ConsentChannel, QuoteView, ToolContext } from '../tools/define.js';
import type { Quote, QuoteSubject } from './quote.js';

export interface SpendPlan {
  subject: QuoteSubject;
  /** One sentence: what the credits buy. */
  summary: string;
}

export interface SpendArgs {
  confirm_credits?: boolean;
  quote_token?: string;
  max_credits?: number;
}

export type GateResult<R> =
  | { kind: 'spent'; result: R; credits: number; quote: QuoteView }
  | { kind: 'quote'; quote: QuoteView }
  | { kind: 'ask'; quote: QuoteView; message: string }
  | { kind: 'declined'; message: string }
  | { kind: 'refused'; message: string; quote?: QuoteView };

/**
 * Errors after which the upstream provably did not spend: the reservation is released. The client
 * guarantees that a spending POST fails with `unavailable` only when the request never reached the
 * service; a lost answer or a 5xx is reconciled, and what stays unclear is `spend_unknown` (kept).
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

/** 128 bits: enough that no one can find a second prompt with the same fingerprint. */
export const shortHash = (text: string): string =>
  createHash('sha256').update(text).digest('hex').slice(0, 32);

const nothingSpent = (message: string): string =>
  /nothing was spent/i.test(message) ? message : `${message} Nothing was spent.`;

/**
 * Seals the channel the quote was issued on into the quote: a token shown to the model (arguments
 * path) can never stand in as the person's answer to an elicitation, nor the other way round.
 */
const sealed = (subject: QuoteSubject, via: ConsentChannel['kind']): QuoteSubject => ({
  ...subject,
  params: { ...subject.params, via },
});

export function quoteView(quote: Quote, summary: string): QuoteView {
  return {
    action: quote.action,
    project_id: quote.project_id,
    ...(quote.scene_number !== undefined && { scene_number: quote.scene_number }),
    credits: quote.credits,
    summary,
    params: quote.params,
    quote_token: quote.token,
    expires_at: quote.expires_at,
  };
}

export function consentQuestion(q: QuoteView, remaining?: number): string {
  const limit = remaining !== undefined ? ` (${remaining} credits left under this server’s limit)` : '';
  return `${q.summary}. This spends about ${q.credits} credits${limit}. Do you agree to spend ${q.credits} credits?`;
}

export async function runSpend<R extends { credits_charged?: number | null }>(
  ctx: ToolContext,
  prepare: () => Promise<SpendPlan>,
  args: SpendArgs,
  spend: () => Promise<R>,
): Promise<GateResult<R>> {
  let plan = await prepare();
  const { action } = plan.subject;
  const limit = ctx.budget.check(plan.subject.credits);
  if (!limit.ok) return { kind: 'refused', message: nothingSpent(limit.message) };

  let approved: Quote | undefined;
  const channel = ctx.consent;
  switch (channel.kind) {
    case 'none':
      return {
        kind: 'refused',
        message:
          'Spending credits needs the person’s consent, and this application supplied no confirmSpend callback to ask them. Nothing was spent.',
      };
    case 'elicit': {
      const answer = channel.answer;
      if (!answer) {
        const quote = quoteView(ctx.signer.issue(sealed(plan.subject, 'elicit')), plan.summary);
        ctx.log('info', 'quote issued; asking the person', {
          action,
          project_id: quote.project_id,
          credits: quote.credits,
        });
        return { kind: 'ask', quote, message: consentQuestion(quote, ctx.budget.remaining) };
      }
      if (answer.action !== 'accept' || !answer.confirmed) {
        ctx.log('info', 'consent declined', {
          action,
          project_id: plan.subject.project_id,
          answer: answer.action,
        });
        const how = answer.action === 'cancel' ? 'dismissed the question' : 'declined';
        return {
          kind: 'declined',
          message: `The person ${how}: nothing was spent. Ask them what they would like to change before trying again.`,
        };
      }
      const r = ctx.signer.redeem(answer.quoteToken, sealed(plan.subject, 'elicit'));
      if (!r.ok) return { kind: 'refused', message: r.message };
      approved = r.quote;
      break;
    }
    case 'arguments':
    case 'app': {
      // The same checks for a model's arguments and a view's click; the quote is sealed to the channel.
      if (!args.quote_token) {
        const quote = quoteView(ctx.signer.issue(sealed(plan.subject, channel.kind)), plan.summary);
        ctx.log('info', 'quote issued', { action, project_id: quote.project_id, credits: quote.credits });
        return { kind: 'quote', quote };
      }
      if (args.confirm_credits !== true) {
        return {
          kind: 'refused',
          message: `confirm_credits must be true, with the quote_token and max_credits, once the person has agreed to the figure. Nothing was spent.`,
        };
      }
      if (args.max_credits === undefined || args.max_credits < plan.subject.credits) {
        return {
          kind: 'refused',
          message: `This costs ${plan.subject.credits} credits, above max_credits (${args.max_credits ?? 'not given'}). Nothing was spent. Ask the person whether they agree to ${plan.subject.credits} credits; if so, call again with max_credits: ${plan.subject.credits}.`,
        };
      }
      const r = ctx.signer.redeem(args.quote_token, sealed(plan.subject, channel.kind));
      if (!r.ok) return { kind: 'refused', message: r.message };
      approved = r.quote;
      break;
    }
    case 'callback': {
      const quote = ctx.signer.issue(sealed(plan.subject, 'callback'));
      const view = quoteView(quote, plan.summary);
      ctx.log('info', 'quote issued; asking the application', { action, credits: view.credits });
      // Only a literal true spends: a callback that resolves 'no', 1 or an object has not said yes.
      const yes = await channel.confirm(view);
      if (yes !== true) return { kind: 'declined', message: 'The spend was declined: nothing was spent.' };
      // The person may have taken a while: re-read the project so the quote is checked against it as it is now.
      plan = await prepare();
      const r = ctx.signer.redeem(quote.token, sealed(plan.subject, 'callback'));
      if (!r.ok) return { kind: 'refused', message: nothingSpent(r.message) };
      approved = r.quote;
      break;
    }
  }

  const reservation = ctx.budget.reserve(approved.credits);
  if (!reservation.ok) return { kind: 'refused', message: nothingSpent(reservation.message) };
  ctx.log('info', 'consent given; spending', {
    action,
    project_id: approved.project_id,
    credits: approved.credits,
  });
  let result: R;
  try {
    result = await spend();
  } catch (err) {
    if (err instanceof ApiError && NOT_SPENT.includes(err.kind)) reservation.release();
    else reservation.commit();
    throw err;
  }
  const charged = typeof result.credits_charged === 'number' ? result.credits_charged : approved.credits;
  if (charged > approved.credits) {
    ctx.log('warning', 'upstream charged more than the person agreed to', {
      project_id: approved.project_id,
      agreed: approved.credits,
      charged,
    });
  }
  // The limit counts at least what the person agreed to, whatever upstream reports.
  reservation.commit(Math.max(charged, approved.credits));
  ctx.follower?.touched(approved.project_id);
  return { kind: 'spent', result, credits: charged, quote: quoteView(approved, plan.summary) };
}
