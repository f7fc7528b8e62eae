/**
 * Simulated work as a fixed timeline of segments, so any moment's state is a pure function of the
 * elapsed simulated seconds: no timers, and a hand-driven clock sees exactly what real time would.
 *
 * At time scale 1 one scene costs 0.6 s of image and 1.2 s of video, and stitching 1 s: a 5-scene
 * generation takes 10 s, a full single-scene regeneration 2.8 s, an upscale 3 s.
 */

export const IMAGE_SECONDS = 0.6;
export const VIDEO_SECONDS = 1.2;
export const STITCH_SECONDS = 1;
export const UPSCALE_SECONDS = 3;

export type SegmentKind = 'image' | 'video' | 'stitch' | 'upscale';
export type SegmentState = 'pending' | 'generating' | 'completed' | 'failed';

export interface Segment {
  kind: SegmentKind;
  sceneNumber?: number;
  start: number;
  end: number;
}

export interface Task {
  sceneNumber: number;
  image: boolean;
  video: boolean;
}

export type JobKind = 'generate' | 'regenerate' | 'upscale';

export interface Job {
  kind: JobKind;
  /** Clock ms when the job was accepted. */
  startedAt: number;
  segments: Segment[];
  /** Simulated seconds after start at which the job fails (failProject). */
  failAt?: number;
  sceneNumber?: number;
}

/** Images first, then videos (each scene in turn, as the reference's status example shows), then the stitch. */
export function planRender(tasks: Task[]): Segment[] {
  const segments: Segment[] = [];
  let t = 0;
  for (const kind of ['image', 'video'] as const) {
    for (const task of tasks) {
      if (!task[kind]) continue;
      const length = kind === 'image' ? IMAGE_SECONDS : VIDEO_SECONDS;
      // Rounded to the millisecond so segment edges land exactly where a hand-driven clock steps.
      const end = Math.round((t + length) * 1000) / 1000;
      segments.push({ kind, sceneNumber: task.sceneNumber, start: t, end });
      t = end;
    }
  }
  segments.push({ kind: 'stitch', start: t, end: t + STITCH_SECONDS });
  return segments;
}

export const planUpscale = (): Segment[] => [{ kind: 'upscale', start: 0, end: UPSCALE_SECONDS }];

export interface Snapshot {
  /** The job is over: completed, or failed when `failed` is set. */
  done: boolean;
  failed?: Segment;
  /** Simulated seconds at which the job ended (when done) or of its latest event. */
  lastEvent: number;
  progress: number;
  current?: Segment;
  stateOf(segment: Segment): SegmentState;
}

export function snapshot(job: Job, elapsed: number): Snapshot {
  const segments = job.segments;
  const total = segments[segments.length - 1]?.end ?? 0;
  const failAt = job.failAt;
  if (failAt !== undefined && elapsed >= failAt) {
    const failed =
      segments.find((s) => s.start <= failAt && failAt < s.end) ?? segments[segments.length - 1]!;
    return {
      done: true,
      failed,
      lastEvent: failAt,
      progress: Math.min(99, Math.floor((failAt / total) * 100)),
      stateOf: (s) => (s === failed ? 'failed' : s.end <= failAt ? 'completed' : 'pending'),
    };
  }
  if (elapsed >= total) {
    return { done: true, lastEvent: total, progress: 100, stateOf: () => 'completed' };
  }
  const current = segments.find((s) => s.start <= elapsed && elapsed < s.end);
  let lastEvent = 0;
  for (const s of segments) {
    if (s.start <= elapsed) lastEvent = Math.max(lastEvent, s.start);
    if (s.end <= elapsed) lastEvent = Math.max(lastEvent, s.end);
  }
  return {
    done: false,
    lastEvent,
    current,
    progress: Math.min(99, Math.floor((elapsed / total) * 100)),
    stateOf: (s) => (s.end <= elapsed ? 'completed' : s.start <= elapsed ? 'generating' : 'pending'),
  };
}

export const STEP_NAMES: Record<SegmentKind, string> = {
  image: 'generating_scene_images',
  video: 'generating_scene_videos',
  stitch: 'stitching_final_video',
  upscale: 'upscaling_final_video',
};

/** What a failed job segment reports, as the real service words it. */
export function failureMessage(segment: Segment): string {
  switch (segment.kind) {
    case 'image':
      return `Image generation failed for scene ${segment.sceneNumber}: the image model returned an error`;
    case 'video':
      return `Video generation failed for scene ${segment.sceneNumber}: the video model returned an error`;
    case 'stitch':
      return 'Stitching the final video failed';
    default:
      return 'Upscaling failed';
  }
}
