/**
 * Messages for a write whose answer was lost (or unreadable): what is known, what is not, and the
 * one safe next step. A spend is never called "not charged" here: that needs proof we do not have.
 */
import { ApiError, baseInit, type OpContext } from './api-error.js';
import { describeOp, sceneLabel } from './messages.js';

/** What we know of a lost answer. */
export interface LostFacts {
  /** Plain words for what went wrong, already redacted. */
  why: string;
  /** The caller cancelled while the request was in flight. */
  aborted?: boolean;
  /** The service did answer 2xx; only its body was unreadable. */
  accepted?: boolean;
}

const aborted = (lost: LostFacts) => (lost.aborted ? { aborted: true } : {});
const verbOf = (ctx: OpContext) => (ctx.op === 'approve' ? 'approve' : 'regenerate');
const fate = (lost: LostFacts) => `${lost.accepted ? 'could not be read' : 'was lost'} (${lost.why})`;
const subject = (ctx: OpContext) =>
  `project ${ctx.projectId}${ctx.sceneNumber !== undefined ? `, ${sceneLabel(ctx)}` : ''}`;

export function createStoryLost(ctx: OpContext, lost: LostFacts): ApiError {
  return new ApiError({
    kind: 'unavailable',
    message: lost.accepted
      ? `The service answered creating the story, but its answer could not be read (${lost.why}), so the project may or may not have been created. Do not call create_story again blindly: call list_projects first to see whether it was created.`
      : `The answer to creating the story was lost (${lost.why}), so the project may or may not have been created. Do not call create_story again blindly: call list_projects first to see whether it was created.`,
    hint: 'Once it is found, go on with it: get_project shows its scenes.',
    ...baseInit(ctx),
    ...aborted(lost),
  });
}

/** The project could not be read back, or showed nothing that tells: charged or not is unknown. */
export function spendUndetermined(ctx: OpContext, lost: LostFacts, because: string): ApiError {
  const id = ctx.projectId;
  const what = describeOp(ctx.op);
  if (ctx.op === 'upscale') {
    return new ApiError({
      kind: 'unavailable',
      message: `The answer to ${what} for project ${id} ${fate(lost)}, and ${because}, so it is not known whether the upscale started. Nothing is charged for upscaling.`,
      hint: 'Call get_status: if the project is not upscaling, call upscale again.',
      ...baseInit(ctx),
      ...aborted(lost),
    });
  }
  const verb = verbOf(ctx);
  return new ApiError({
    kind: 'spend_unknown',
    message: `The answer to ${what} (${subject(ctx)}) ${fate(lost)}, and ${because}: could not tell whether credits were charged. Call get_status before trying again — do not ${verb} again blindly.`,
    hint: `If get_status shows project ${id} under way, it went through; if nothing has changed after a minute, get a fresh quote.`,
    ...baseInit(ctx),
    ...aborted(lost),
  });
}

/** The project does not show the work, even after re-reads: it may still come. */
export function spendNotShown(ctx: OpContext, lost: LostFacts, evidence: string): ApiError {
  const id = ctx.projectId;
  const what = describeOp(ctx.op);
  if (ctx.op === 'upscale') {
    return new ApiError({
      kind: 'unavailable',
      message: `The answer to ${what} for project ${id} ${fate(lost)}, and the project does not show an upscale yet (${evidence}). Nothing is charged for upscaling.`,
      hint: `Call get_status for project ${id}: if it is not upscaling, call upscale again.`,
      ...baseInit(ctx),
    });
  }
  const verb = verbOf(ctx);
  return new ApiError({
    kind: 'spend_unknown',
    message: `The answer to ${what} (${subject(ctx)}) ${fate(lost)}, and the project does not show it yet (${evidence}). The service may still be processing it, so credits may have been charged. Call get_status in a minute before trying again — do not ${verb} again blindly.`,
    hint: `Only if project ${id} still shows nothing then, ${verb} again with a fresh quote.`,
    ...baseInit(ctx),
  });
}
