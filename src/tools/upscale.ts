import { z } from 'zod';
import { ProjectId } from '../api/schemas.js';
import { defineTool } from './define.js';
import { projectLink } from './shapes.js';

export const upscale = defineTool({
  name: 'upscale',
  title: 'Upscale the final video',
  description:
    'Upscale a completed project’s final video. Free (no credits). Takes 5–10 min: follow it with get_status ' +
    'until final_video_url_upscaled appears.',
  effect: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: z.object({ project_id: ProjectId }),
  output: z.object({
    project_id: z.int(),
    status: z.string(),
    credits: z.literal(0).meta({ type: 'integer' }),
    message: z.string().nullish(),
    next_step: z.string(),
  }),
  async handler({ project_id }, ctx) {
    // Under the project's lock, like every change of ours: it never lands inside a spend's window.
    const r = await ctx.lockProject(
      project_id,
      () => ctx.api.upscale(project_id, { signal: ctx.signal }),
      'upscale',
    );
    ctx.follower?.touched(project_id);
    ctx.log('info', 'upscale started', { project_id });
    const next = `Call get_status with project_id ${project_id} and wait_seconds 50 until final_video_url_upscaled appears.`;
    return {
      structured: {
        project_id,
        status: r.status,
        credits: 0 as const,
        message: r.message ?? null,
        next_step: next,
      },
      text: `Upscaling started for project ${project_id} (free, no credits used); it takes 5–10 minutes.\nNext: ${next}`,
      links: [projectLink({ id: project_id })],
    };
  },
});
