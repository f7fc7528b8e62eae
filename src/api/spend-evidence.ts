/**
 * The judges of a lost spend, one per operation. Each compares the project as read back with the
 * reading taken just before the request (`before`), using only the service's own markers: status,
 * per-scene states and media URLs, the final videos, `credits_used`, and `updated_at` compared as
 * absolute instants. Our clock and its time zone never enter. "Spent" needs a sign that the work
 * began; "not spent" here only means "not visible yet", never proof.
 */
import type { OpContext } from './errors/index.js';
import type { SpendEvidence } from './reconcile.js';
import type { Project, Scene } from './schemas.js';

const NOT_YET_APPROVED = new Set(['draft', 'creating', 'proposed']);
const FINISHED = new Set(['completed', 'failed']);

const instant = (t: string | null | undefined): number => (t ? Date.parse(t) : Number.NaN);

/** `after.updated_at` is a later instant than `before.updated_at`. */
const updatedSince = (after: Project, before: Project): boolean =>
  instant(after.updated_at) > instant(before.updated_at);

function creditsGrew(after: Project, before: Project | undefined): string | undefined {
  const a = after.credits_used;
  const b = before?.credits_used;
  return typeof a === 'number' && typeof b === 'number' && a > b
    ? `credits_used went from ${b} to ${a}`
    : undefined;
}

const SCENE_MARKERS = ['status', 'image_status', 'video_status', 'image_url', 'video_url'] as const;

function sceneChanged(after: Project, before: Project, sceneNumber: number | undefined): string | undefined {
  const find = (p: Project): Scene | undefined => p.scenes?.find((s) => s.scene_number === sceneNumber);
  const a = find(after);
  const b = find(before);
  if (!a || !b) return undefined;
  const moved = SCENE_MARKERS.filter((k) => (a[k] ?? null) !== (b[k] ?? null));
  return moved.length ? `scene ${sceneNumber} changed (${moved.join(', ')})` : undefined;
}

function finalVideoChanged(after: Project, before: Project): string | undefined {
  return after.final_video_url && after.final_video_url !== before.final_video_url
    ? 'the final video has a new version'
    : undefined;
}

export function approveEvidence(after: Project, before: Project | undefined): SpendEvidence {
  if (before && !NOT_YET_APPROVED.has(before.status)) {
    return {
      spent: false,
      evidence: `project ${after.id} was already '${before.status}' before the request`,
    };
  }
  if (!NOT_YET_APPROVED.has(after.status)) {
    return { spent: true, evidence: `project ${after.id} left 'proposed' (now '${after.status}')` };
  }
  const credits = creditsGrew(after, before);
  if (credits) return { spent: true, evidence: `project ${after.id}: ${credits}` };
  return { spent: false, evidence: `project ${after.id} is still '${after.status}'` };
}

export function regenerateEvidence(
  after: Project,
  before: Project | undefined,
  ctx: OpContext,
): SpendEvidence {
  const id = after.id;
  if (NOT_YET_APPROVED.has(after.status)) {
    return { spent: false, evidence: `project ${id} is '${after.status}', where regeneration is refused` };
  }
  if (before && !FINISHED.has(before.status)) {
    return { spent: false, evidence: `project ${id} was already '${before.status}' before the request` };
  }
  if (!FINISHED.has(after.status) && after.status !== 'upscaling') {
    return { spent: true, evidence: `project ${id} is now '${after.status}'` };
  }
  if (!before) {
    return {
      spent: undefined,
      evidence: `project ${id} is '${after.status}' and there was no earlier reading to compare with`,
    };
  }
  const signs = [
    creditsGrew(after, before),
    sceneChanged(after, before, ctx.sceneNumber),
    finalVideoChanged(after, before),
  ].filter(Boolean);
  const updated = updatedSince(after, before);
  if (signs.length) {
    const when = updated ? ` and was updated at ${after.updated_at} (it was ${before.updated_at})` : '';
    return { spent: true, evidence: `project ${id}: ${signs.join('; ')}${when}` };
  }
  if (updated) {
    return {
      spent: undefined,
      evidence: `project ${id} was updated at ${after.updated_at} (it was ${before.updated_at}) but shows no sign of the regeneration`,
    };
  }
  return {
    spent: false,
    evidence: `project ${id} is still '${after.status}', unchanged since ${before.updated_at ?? 'the request'}`,
  };
}

export function upscaleEvidence(after: Project, before: Project | undefined): SpendEvidence {
  const id = after.id;
  if (before?.status === 'upscaling') {
    return { spent: false, evidence: `project ${id} was already upscaling before the request` };
  }
  if (after.status === 'upscaling') return { spent: true, evidence: `project ${id} is now 'upscaling'` };
  const upscaled = after.final_video_url_upscaled;
  if (upscaled && before && upscaled !== before.final_video_url_upscaled) {
    return { spent: true, evidence: `project ${id} has a new upscaled video` };
  }
  if (upscaled && !before) {
    return {
      spent: undefined,
      evidence: `project ${id} has an upscaled video and there was no earlier reading to compare with`,
    };
  }
  return { spent: false, evidence: `project ${id} is '${after.status}' and not upscaling` };
}
