/**
 * What counts as a change worth waking someone for: a new status or step, a scene whose image or
 * video moved on, a final URL appearing. Progress ticks alone do not count; they go out as progress.
 */
import type { ProjectStatusResponse } from '../api/schemas.js';

export function fingerprint(s: ProjectStatusResponse): string {
  const scenes = (s.scenes ?? [])
    .map((x) => `${x.scene_number}:${x.image_status ?? ''}/${x.video_status ?? ''}/${x.status ?? ''}`)
    .join(',');
  return [
    s.status,
    s.current_step ?? '',
    scenes,
    s.final_video_url ?? '',
    s.final_video_url_upscaled ?? '',
  ].join('|');
}

export const meaningfulChange = (a: ProjectStatusResponse | undefined, b: ProjectStatusResponse): boolean =>
  !a || fingerprint(a) !== fingerprint(b);

/** "scene 3 of 5" while generating, from per-scene statuses. */
export function sceneProgress(s: ProjectStatusResponse): { done: number; total: number } | undefined {
  const scenes = s.scenes ?? [];
  if (!scenes.length) return undefined;
  const done = scenes.filter((x) => (x.video_status ?? x.status) === 'completed').length;
  return { done, total: scenes.length };
}

export function progressMessage(s: ProjectStatusResponse): string {
  const step = s.current_step ? s.current_step.replace(/_/g, ' ') : s.status;
  const sp = sceneProgress(s);
  const scene =
    sp && s.status === 'generating' ? `, scene ${Math.min(sp.done + 1, sp.total)} of ${sp.total}` : '';
  const pct = s.progress != null ? ` ${Math.round(s.progress)}%` : '';
  return `${step}${scene}${pct}`;
}
