/** The judges of a lost spend: one per operation, each reading the project for signs that the work began. */
import type { LostAnswer } from './exchange.js';
import type { SpendEvidence } from './reconcile.js';
import type { Project } from './schemas.js';

/** How much earlier than our request an `updated_at` may be and still count as "after it" (clock skew). */
export const CLOCK_SKEW_MS = 2_000;

const NOT_YET_APPROVED = new Set(['draft', 'creating', 'proposed']);

const updatedAt = (p: Project): number => (p.updated_at ? Date.parse(p.updated_at) : Number.NaN);

export function approveEvidence(p: Project): SpendEvidence {
  if (NOT_YET_APPROVED.has(p.status)) return { spent: false, how: `project ${p.id} is still '${p.status}'` };
  return { spent: true, how: `project ${p.id} left 'proposed' (now '${p.status}')` };
}

export function regenerateEvidence(p: Project, lost: LostAnswer): SpendEvidence {
  if (NOT_YET_APPROVED.has(p.status)) {
    return { spent: false, how: `project ${p.id} is '${p.status}', where regeneration is refused` };
  }
  if (p.status !== 'completed' && p.status !== 'failed') {
    return { spent: true, how: `project ${p.id} is now '${p.status}'` };
  }
  const updated = updatedAt(p);
  if (Number.isNaN(updated))
    return { spent: undefined, how: `project ${p.id} is '${p.status}' with no updated_at` };
  if (updated >= lost.sentAt - CLOCK_SKEW_MS) {
    return { spent: true, how: `project ${p.id} was updated at ${p.updated_at}, after the request was sent` };
  }
  return { spent: false, how: `project ${p.id} is still '${p.status}', unchanged since ${p.updated_at}` };
}

export function upscaleEvidence(p: Project, lost: LostAnswer): SpendEvidence {
  if (p.status === 'upscaling') return { spent: true, how: `project ${p.id} is now 'upscaling'` };
  if (p.status === 'completed' && p.final_video_url_upscaled && updatedAt(p) >= lost.sentAt - CLOCK_SKEW_MS) {
    return { spent: true, how: `project ${p.id} has an upscaled video, updated after the request` };
  }
  return { spent: false, how: `project ${p.id} is '${p.status}' and not upscaling` };
}
