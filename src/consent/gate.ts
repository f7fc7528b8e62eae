/**
 * The spend gate: the one place between a spending tool and the client's spend call.
 *
 * No credit moves unless the person agreed to the figure:
 * - a client that can elicit: the server asks the person; only an explicit accept of the sealed quote spends;
 * - a client that cannot: the call must carry confirm_credits, the quote token and max_credits ≥ the figure,
 *   so the host's own approval prompt shows the person the number;
 * - an application outside MCP: its confirmSpend callback decides;
 * - nobody to ask: refused.
 * The quote is re-checked against the project's current content at the moment of spending, under the
 * project's lock (src/consent/project-lock.ts), so no edit of ours lands between that check and the
 * upstream call; the credit limits hold through a reservation taken before the call and settled after.
 */
import { createHash } from 'node:crypto';
import type { Project } from '../api/schemas.js';
import { cleanText } from '../clean-text.js';
import { provenNotSpent, scenesDriftWarning, unspentRefusal } from './after-spend.js';
import type { ConsentChannel, QuoteView, SpendContext } from './channel.js';
import type { Quote, QuoteSubject } from './quote.js';
import { projectMark } from './settle.js';

export interface SpendPlan {
  subject: QuoteSubject;
  /** One sentence: what the credits buy. */
  summary: string;
  /**
   * Scene fingerprints the project may show after the spend besides the quoted one, because the
   * spend itself changes them (a regeneration with new prompts). Anything else is an outside edit.
   */
  afterHashes?: string[];
  /** The project as read for this plan: kept with the spend to settle an unknown outcome by. */
  before?: Project;
}

export interface SpendArgs {
  /** The project the spend is for: its lock is held from the quote's re-check through the spend. */
  project_id: number;
  confirm_credits?: boolean;
  quote_token?: string;
  max_credits?: number;
}

export type GateResult<R> =
  /** `warning`: the scenes changed outside this server during the spend; tell the person. */
  | { kind: 'spent'; result: R; credits: number; quote: QuoteView; warning?: string }
  | { kind: 'quote'; quote: QuoteView }
  | { kind: 'ask'; quote: QuoteView; message: string }
  | { kind: 'declined'; message: string }
  /** `next`: what to do instead of the default (a fresh quote), e.g. retry with the same one. */
  | { kind: 'refused'; message: string; next?: string };

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

/** Summaries carry project titles written by people: shown only as one clean line. */
export function quoteView(quote: Quote, summary: string, limitNote?: string): QuoteView {
  return {
    ...(limitNote && { limit_note: limitNote }),
    action: quote.action,
    project_id: quote.project_id,
    ...(quote.scene_number !== undefined && { scene_number: quote.scene_number }),
    credits: quote.credits,
    summary: cleanText(summary, 400),
    params: quote.params,
    quote_token: quote.token,
    expires_at: quote.expires_at,
  };
}

export function consentQuestion(q: QuoteView): string {
  const limit = q.limit_note ? ` ${q.limit_note}` : '';
  // The figure and what it buys come first, in our words; text written by anyone else only after it.
  return `This spends ${q.credits} credits.${limit} ${q.summary}. Do you agree to spend ${q.credits} credits?`;
}

/**
 * The gate. Calls that only quote or ask run unlocked; a confirmed spend runs under the project's
 * lock from the read that re-checks the quote through the upstream call (see `spendConfirmed`).
 */
export async function runSpend<R extends { credits_charged?: number | null }>(
  ctx: SpendContext,
  prepare: () => Promise<SpendPlan>,
  args: SpendArgs,
  spend: () => Promise<R>,
): Promise<GateResult<R>> {
  const channel = ctx.consent;
  if (channel.kind === 'none') {
    return {
      kind: 'refused',
      message:
        'Spending credits needs the person’s consent, and this application supplied no confirmSpend callback to ask them. Nothing was spent.',
    };
  }
  const confirmed =
    (channel.kind === 'elicit' && channel.answer) ||
    ((channel.kind === 'arguments' || channel.kind === 'app') && args.quote_token);
  if (confirmed) {
    return ctx.lockProject(args.project_id, async () => {
      const plan = await prepare();
      const limit = await ctx.budget.check(plan.subject.credits);
      if (!limit.ok) return { kind: 'refused', message: nothingSpent(limit.message) };
      if (channel.kind === 'elicit') return answered(ctx, channel, plan, spend);
      return confirmedByArguments(ctx, channel.kind, plan, args, spend);
    });
  }
  const plan = await prepare();
  const { action } = plan.subject;
  const limit = await ctx.budget.check(plan.subject.credits);
  if (!limit.ok) return { kind: 'refused', message: nothingSpent(limit.message) };
  const note = await ctx.budget.afterSpend(plan.subject.credits).catch(() => undefined);
  if (channel.kind === 'elicit') {
    const quote = quoteView(ctx.signer.issue(sealed(plan.subject, 'elicit')), plan.summary, note);
    ctx.log('info', 'quote issued; asking the person', {
      action,
      project_id: quote.project_id,
      credits: quote.credits,
    });
    return {
      kind: 'ask',
      quote,
      message: consentQuestion(quote),
    };
  }
  if (channel.kind === 'arguments' || channel.kind === 'app') {
    // A model's arguments and a view's click pass the same checks; the quote is sealed to the channel.
    const quote = quoteView(ctx.signer.issue(sealed(plan.subject, channel.kind)), plan.summary, note);
    ctx.log('info', 'quote issued', { action, project_id: quote.project_id, credits: quote.credits });
    return { kind: 'quote', quote };
  }
  const quote = ctx.signer.issue(sealed(plan.subject, 'callback'));
  const view = quoteView(quote, plan.summary, note);
  ctx.log('info', 'quote issued; asking the application', { action, credits: view.credits });
  // Only a literal true spends: a callback that resolves 'no', 1 or an object has not said yes.
  const yes = await channel.confirm(view);
  if (yes !== true) return { kind: 'declined', message: 'The spend was declined: nothing was spent.' };
  // The person may have taken a while: the project is re-read, under the lock, before spending.
  return ctx.lockProject(args.project_id, async () => {
    const now = await prepare();
    const check = await ctx.budget.check(now.subject.credits);
    if (!check.ok) return { kind: 'refused', message: nothingSpent(check.message) };
    const r = await ctx.signer.redeem(quote.token, sealed(now.subject, 'callback'));
    if (!r.ok) return { kind: 'refused', message: nothingSpent(r.message) };
    return spendConfirmed(ctx, now, r.quote, 'callback', spend);
  });
}

/** An elicitation answer: only an explicit accept of the quote asked about spends. */
async function answered<R extends { credits_charged?: number | null }>(
  ctx: SpendContext,
  channel: Extract<ConsentChannel, { kind: 'elicit' }>,
  plan: SpendPlan,
  spend: () => Promise<R>,
): Promise<GateResult<R>> {
  const answer = channel.answer!;
  if (answer.action !== 'accept' || !answer.confirmed) {
    ctx.log('info', 'consent declined', {
      action: plan.subject.action,
      project_id: plan.subject.project_id,
      answer: answer.action,
    });
    const how = answer.action === 'cancel' ? 'dismissed the question' : 'declined';
    return {
      kind: 'declined',
      message: `The person ${how}: nothing was spent. Ask them what they would like to change before trying again.`,
    };
  }
  const r = await ctx.signer.redeem(answer.quoteToken, sealed(plan.subject, 'elicit'));
  if (!r.ok) return { kind: 'refused', message: r.message };
  return spendConfirmed(ctx, plan, r.quote, 'elicit', spend);
}

/**
 * A client that cannot elicit, or the storyboard view's click: the call carries the token,
 * confirm_credits and max_credits (the figure on the button clicked).
 */
async function confirmedByArguments<R extends { credits_charged?: number | null }>(
  ctx: SpendContext,
  via: 'arguments' | 'app',
  plan: SpendPlan,
  args: SpendArgs,
  spend: () => Promise<R>,
): Promise<GateResult<R>> {
  if (args.confirm_credits !== true) {
    return {
      kind: 'refused',
      message: `confirm_credits must be true, with the quote_token and max_credits, once the person has agreed to the figure. Nothing was spent.`,
    };
  }
  const credits = plan.subject.credits;
  if (args.max_credits === undefined || args.max_credits < credits) {
    return {
      kind: 'refused',
      message: `This costs ${credits} credits, above max_credits (${args.max_credits ?? 'not given'}). Nothing was spent. Ask the person whether they agree to ${credits} credits; if so, call again with max_credits: ${credits}.`,
    };
  }
  const r = await ctx.signer.redeem(args.quote_token, sealed(plan.subject, via));
  if (!r.ok) return { kind: 'refused', message: r.message };
  return spendConfirmed(ctx, plan, r.quote, via, spend);
}

/**
 * The quote is redeemed and the project's lock held: hold the credits, call upstream, settle. A
 * refusal the service proved it did not act on gives the quote and the credits back; anything that
 * may have charged keeps both used. Then the scenes are re-checked as the service reports them.
 */
async function spendConfirmed<R extends { credits_charged?: number | null }>(
  ctx: SpendContext,
  plan: SpendPlan,
  approved: Quote,
  via: ConsentChannel['kind'],
  spend: () => Promise<R>,
): Promise<GateResult<R>> {
  const reservation = await ctx.budget.reserve(approved.credits, {
    action: approved.action,
    project_id: approved.project_id,
    ...(approved.scene_number !== undefined && { scene_number: approved.scene_number }),
    ...(plan.before && { before: projectMark(plan.before, approved.scene_number) }),
  });
  if (!reservation.ok) {
    await ctx.signer.release(approved.quote_id);
    return { kind: 'refused', message: nothingSpent(reservation.message) };
  }
  ctx.log('info', 'consent given; spending', {
    action: approved.action,
    project_id: approved.project_id,
    credits: approved.credits,
  });
  let result: R;
  try {
    result = await spend();
  } catch (err) {
    if (!provenNotSpent(err)) {
      // May have charged: it counts until a later read of the project settles it (src/consent/settle.ts).
      await reservation.unknown();
      throw err;
    }
    await reservation.release();
    await ctx.signer.release(approved.quote_id);
    ctx.log('info', 'the service refused the spend without acting on it; the quote stays valid', {
      project_id: approved.project_id,
      reason: err.kind,
    });
    return { kind: 'refused', ...unspentRefusal(err, approved, via) };
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
  await reservation.commit(Math.max(charged, approved.credits));
  ctx.follower?.touched(approved.project_id);
  const warning = await scenesDriftWarning(ctx, approved.project_id, approved.scenes_hash, plan.afterHashes);
  return {
    kind: 'spent',
    result,
    credits: charged,
    quote: quoteView(approved, plan.summary),
    ...(warning && { warning }),
  };
}
