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

/**
 * The scene being worked on: the first whose image or video is generating. While a single scene is
 * regenerated the others stay completed, so counting finished scenes would name the wrong one.
 */
function activeScene(s: ProjectStatusResponse): number | undefined {
  const scenes = [...(s.scenes ?? [])].sort((a, b) => a.scene_number - b.scene_number);
  return (
    scenes.find((x) => x.image_status === 'generating' || x.video_status === 'generating') ??
    scenes.find((x) => x.image_status === 'pending' || x.video_status === 'pending')
  )?.scene_number;
}

/** "generating scene videos, scene 3 of 5 42%": for progress notifications and logs. */
export function progressMessage(s: ProjectStatusResponse): string {
  const step = s.current_step ? s.current_step.replace(/_/g, ' ') : s.status;
  const total = s.scenes?.length ?? 0;
  const active = s.status === 'generating' ? activeScene(s) : undefined;
  const scene = active !== undefined && total ? `, scene ${active} of ${total}` : '';
  const pct = s.progress != null ? ` ${Math.round(s.progress)}%` : '';
  return `${step}${scene}${pct}`;
}
