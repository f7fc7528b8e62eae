/**
 * After a spending POST whose answer was lost or unreadable (a reset, a timeout, a 5xx, an HTML page
 * with 200): read the project back and let the operation's own judge compare it with the reading
 * taken just before the request. "Not visible" is never taken as "not done": the project is read
 * again a few times, and what still does not show is reported as unknown, never as "not charged".
 */
import type { SpendOutcome } from './contract.js';
import { ApiError, type OpContext, spendNotShown, spendUndetermined } from './errors/index.js';
import type { Log, LostAnswer } from './exchange.js';
import type { ActionResponse, Project } from './schemas.js';

/** What one reading of the project says about the spend: true, false, or undefined (cannot tell). */
export interface SpendEvidence {
  spent: boolean | undefined;
  evidence: string;
}

/** One judge per operation: does the project, compared with its reading before the request, show the work began? */
export type SpendJudge = (after: Project, before: Project | undefined, ctx: OpContext) => SpendEvidence;

/** The request, its fate, and the project as it was just before it was sent (if it could be read). */
export interface LostSpend {
  ctx: OpContext;
  lost: LostAnswer;
  before: Project | undefined;
  judgeEvidence: SpendJudge;
}

export interface ReconcileDeps {
  readProject: (projectId: number, signal: AbortSignal | undefined) => Promise<Project>;
  /** Waits between re-reads; rejects on cancel. */
  pause: (ctx: OpContext, ms: number, signal: AbortSignal | undefined) => Promise<void>;
  recheckDelaysMs: number[];
  log: Log;
}

export type Reconciled = SpendOutcome<ActionResponse>;

export async function reconcileSpend(
  deps: ReconcileDeps,
  spend: LostSpend,
  signal: AbortSignal | undefined,
): Promise<Reconciled> {
  const { ctx, lost } = spend;
  const id = ctx.projectId!;
  const free = ctx.op === 'upscale';
  deps.log('warn', `${ctx.method} ${ctx.path}: answer lost (${lost.why}); reading the project back`);
  const first = await readBack(deps, id, lost, signal);
  if (!first.project) {
    throw spendUndetermined(ctx, lost, `reading the project back failed too (${first.failure})`);
  }
  let project = first.project;
  let verdict = spend.judgeEvidence(project, spend.before, ctx);
  if (verdict.spent === undefined) throw spendUndetermined(ctx, lost, verdict.evidence);
  if (!verdict.spent) {
    const later = await recheck(deps, spend, signal);
    if (later) ({ project, verdict } = later);
  }
  if (!verdict.spent) throw spendNotShown(ctx, lost, verdict.evidence);
  deps.log('info', `${ctx.method} ${ctx.path}: reconciled, it happened (${verdict.evidence})`);
  return {
    id,
    status: project.status,
    progress: project.progress ?? null,
    ...(ctx.sceneNumber !== undefined ? { scene_number: ctx.sceneNumber } : {}),
    message: `The answer ${lost.accepted ? 'could not be read' : 'was lost'} (${lost.why}), but the project shows it went through: ${verdict.evidence}. ${free ? '' : 'Credits were charged once; do not repeat the call. '}Follow it with get_status.`,
    reconciled: { spent: true, evidence: verdict.evidence },
  };
}

async function readBack(
  deps: ReconcileDeps,
  id: number,
  lost: LostAnswer,
  signal: AbortSignal | undefined,
): Promise<{ project?: Project; failure?: string }> {
  if (lost.aborted || signal?.aborted) return { failure: 'the call was cancelled' };
  try {
    return { project: await deps.readProject(id, signal) };
  } catch (e) {
    return { failure: e instanceof ApiError ? e.message : 'an unexpected error' };
  }
}

/**
 * Not visible is not proof of "not done": a slow service may commit the spend after our read.
 * Looks again a few times; returns the last reading that was had, if any.
 */
async function recheck(
  deps: ReconcileDeps,
  spend: LostSpend,
  signal: AbortSignal | undefined,
): Promise<{ project: Project; verdict: SpendEvidence } | undefined> {
  const { ctx } = spend;
  let last: { project: Project; verdict: SpendEvidence } | undefined;
  for (const wait of deps.recheckDelaysMs) {
    // A cancel here ends the re-checks, not the doubt: it must still come out as spend_unknown.
    const paused = await deps.pause(ctx, wait, signal).then(
      () => true,
      () => false,
    );
    if (!paused) break;
    const again = await deps.readProject(ctx.projectId!, signal).catch(() => undefined);
    if (!again) continue;
    last = { project: again, verdict: spend.judgeEvidence(again, spend.before, ctx) };
    if (last.verdict.spent) break;
  }
  return last;
}
