/**
 * A fingerprint of what a project's scenes will generate.
 *
 * A quote seals this hash, so any edit to a scene's prompts, narration or numbering between the
 * quote and the spend makes the quote stale. Only content that changes the output is hashed:
 * statuses, URLs and any other fields the service adds are ignored, and so is key order.
 */
import { createHash } from 'node:crypto';

/** The fields of a scene that affect what gets generated. Anything else on the object is ignored. */
export interface HashableScene {
  readonly scene_number: number;
  readonly id?: number | null;
  readonly description?: string | null;
  readonly image_prompt?: string | null;
  readonly motion_prompt?: string | null;
  readonly narration_text?: string | null;
}

/** Bumped if the canonical form ever changes, so old and new hashes can never collide. */
const DOMAIN = 'scene-projects-mcp/scenes/v1';

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | string | null =>
  typeof v === 'number' ? (Number.isFinite(v) ? v : String(v)) : null;

/** One scene as a fixed-order tuple: no key order to vary, null for anything absent. */
const canonicalScene = (s: HashableScene): string =>
  JSON.stringify([
    num(s.scene_number),
    num(s.id),
    text(s.description),
    text(s.image_prompt),
    text(s.motion_prompt),
    text(s.narration_text),
  ]);

/**
 * SHA-256 (64 hex characters) over the canonical content of the scenes, sorted by scene number.
 * `null`/`undefined` scenes hash like an empty list. Pure and deterministic.
 */
export function hashScenes(scenes: readonly HashableScene[] | null | undefined): string {
  const rows = (scenes ?? []).map((s) => ({ n: s.scene_number, row: canonicalScene(s) }));
  // Sort by scene number; ties (should not happen) by the row itself, so input order never matters.
  rows.sort((a, b) => {
    const an = Number.isFinite(a.n) ? a.n : Number.POSITIVE_INFINITY;
    const bn = Number.isFinite(b.n) ? b.n : Number.POSITIVE_INFINITY;
    if (an !== bn) return an < bn ? -1 : 1;
    return a.row < b.row ? -1 : a.row > b.row ? 1 : 0;
  });
  const body = `[${rows.map((r) => r.row).join(',')}]`;
  return createHash('sha256').update(DOMAIN).update('\n').update(body, 'utf8').digest('hex');
}
