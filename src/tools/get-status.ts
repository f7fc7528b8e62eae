import { z } from 'zod';
import { isTerminalStatus, ProjectId } from '../api/schemas.js';
import { progressMessage } from '../live/change.js';
import { MonotonicProgress } from '../live/heartbeat.js';
import { defineTool, READ } from './define.js';
import { nextStep, projectLink, StatusOut, statusLine } from './shapes.js';

export const MAX_WAIT_SECONDS = 50;
const FRESH_MS = 1000;

export const getStatus = defineTool({
  name: 'get_status',
  title: 'Follow a generation',
  description:
    'A generation’s status, progress %, step, per-scene state, and the final video URL when done. Free. ' +
    `Generation takes 5–15 min: pass wait_seconds ${MAX_WAIT_SECONDS} and until "done" to wait here for the end ` +
    '(progress is sent meanwhile) instead of polling.',
  effect: 'read',
  annotations: READ,
  input: z.object({
    project_id: ProjectId,
    wait_seconds: z.number().min(0).max(MAX_WAIT_SECONDS).default(0),
    until: z
      .enum(['change', 'done'])
      .default('change')
      .describe('Return at the next change (default), or only at the end.'),
  }),
  output: z.object({
    status: StatusOut,
    changed: z.boolean(),
    waited_seconds: z.number(),
    done: z.boolean(),
    next_step: z.string(),
  }),
  async handler({ project_id, wait_seconds, until }, ctx) {
    const started = Date.now();
    // A waiting caller of a project the watcher already follows shares its fresh snapshot: many
    // agents waiting on one generation then cost one upstream read per interval, not one each.
    const shared = wait_seconds > 0 ? ctx.follower?.latest?.(project_id) : undefined;
    // A terminal snapshot is never reused: a regeneration or upscale we just started may supersede it.
    let snapshot =
      shared && shared.ageMs < FRESH_MS && !isTerminalStatus(shared.snapshot.status)
        ? shared.snapshot
        : await ctx.api.getStatus(project_id, { signal: ctx.signal });
    let changed = false;
    let waited = false;
    // Nothing moves in `proposed` until the person approves: waiting would only burn the host's time.
    const moving = !isTerminalStatus(snapshot.status) && snapshot.status !== 'proposed';
    if (wait_seconds > 0 && moving && ctx.follower) {
      waited = true;
      const progress = new MonotonicProgress(ctx.progress);
      const report = (s: typeof snapshot) => void progress.report(s.progress ?? 0, 100, progressMessage(s));
      report(snapshot);
      const follower = ctx.follower;
      // "done" keeps waiting through every intermediate change: one call per wait_seconds, not per step.
      for (;;) {
        const r = await follower.waitForChange(project_id, {
          since: snapshot,
          // Never past wait_seconds, counting the first status read.
          timeoutMs: Math.max(0, wait_seconds * 1000 - (Date.now() - started)),
          signal: ctx.signal,
          onSnapshot: report,
        });
        snapshot = r.snapshot;
        changed ||= r.changed;
        const timeLeft = wait_seconds * 1000 - (Date.now() - started);
        if (until === 'change' || !r.changed || r.aborted || isTerminalStatus(snapshot.status)) break;
        if (timeLeft <= 0) break;
      }
      if (changed && isTerminalStatus(snapshot.status)) {
        ctx.log('info', `generation ${snapshot.status === 'completed' ? 'completed' : 'failed'}`, {
          project_id,
          ...(snapshot.final_video_url ? { final_video_url: snapshot.final_video_url } : {}),
        });
      }
    }
    const done = isTerminalStatus(snapshot.status);
    let next = nextStep(snapshot);
    if (waited && !done) {
      next = `${changed ? 'Not done yet' : 'Nothing new yet'} (${changed ? 'now' : 'still'} ${progressMessage(snapshot)}). ${next}`;
    }
    const lines = [statusLine(snapshot)];
    const scenes = snapshot.scenes ?? [];
    if (scenes.length && !done) {
      lines.push(
        scenes
          .map(
            (s) => `scene ${s.scene_number}: image ${s.image_status ?? '?'}, video ${s.video_status ?? '?'}`,
          )
          .join('; '),
      );
    }
    if (snapshot.final_video_url) lines.push(`Final video: ${snapshot.final_video_url}`);
    if (snapshot.final_video_url_upscaled) lines.push(`Upscaled video: ${snapshot.final_video_url_upscaled}`);
    if (snapshot.credits_used != null) lines.push(`Credits used: ${snapshot.credits_used}`);
    if (snapshot.error)
      lines.push(
        `Error: ${typeof snapshot.error === 'string' ? snapshot.error : JSON.stringify(snapshot.error)}`,
      );
    lines.push(`Next: ${next}`);
    return {
      structured: {
        status: snapshot,
        changed,
        waited_seconds: Math.round((Date.now() - started) / 100) / 10,
        done,
        next_step: next,
      },
      text: lines.join('\n'),
      links: [projectLink(snapshot)],
    };
  },
});
