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

export type ChangeKind = 'status' | 'progress' | 'step' | 'scene' | 'final';

export interface ProjectChange {
  projectId: number;
  previous?: ProjectStatusResponse;
  snapshot: ProjectStatusResponse;
  kinds: ChangeKind[];
  /** A new status, step, scene state or final URL (not progress alone). */
  meaningful: boolean;
  /** The project reached completed or failed with this snapshot. */
  ended: boolean;
  /** Another replica polled it (shared polling): its own publishers have told their listeners. */
  fromPeer?: boolean;
}

export function changeKinds(a: ProjectStatusResponse | undefined, b: ProjectStatusResponse): ChangeKind[] {
  if (!a) return ['status'];
  const kinds: ChangeKind[] = [];
  if (a.status !== b.status) kinds.push('status');
  if ((a.progress ?? null) !== (b.progress ?? null)) kinds.push('progress');
  if ((a.current_step ?? null) !== (b.current_step ?? null)) kinds.push('step');
  const scenes = (s: ProjectStatusResponse) => fingerprint({ ...s, status: '', current_step: null });
  if (
    (a.final_video_url ?? null) !== (b.final_video_url ?? null) ||
    (a.final_video_url_upscaled ?? null) !== (b.final_video_url_upscaled ?? null)
  ) {
    kinds.push('final');
  } else if (scenes(a) !== scenes(b)) {
    kinds.push('scene');
  }
  return kinds;
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

/** MCP log line for a generation that ended, as sent to connections that follow it. */
export function endedLogData(change: ProjectChange): Record<string, unknown> {
  const s = change.snapshot;
  return {
    message: `generation ${s.status === 'completed' ? 'completed' : 'failed'}`,
    project_id: change.projectId,
    ...(s.final_video_url ? { final_video_url: s.final_video_url } : {}),
    ...(s.error ? { error: s.error } : {}),
  };
}

/** Whether a change is an end worth logging (a transition into completed or failed). */
export const isEnding = (c: ProjectChange): boolean => c.ended && c.kinds.includes('status') && !!c.previous;
