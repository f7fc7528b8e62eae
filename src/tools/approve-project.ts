import { z } from 'zod';
import { approveCost, SCENE_SECONDS } from '../api/pricing.js';
import { DEFAULT_IMAGE_MODEL, DEFAULT_VIDEO_MODEL, ModelName, ProjectId } from '../api/schemas.js';
import { titleText } from '../clean-text.js';
import { runSpend } from '../consent/gate.js';
import { hashScenes } from '../consent/index.js';
import { projectUri } from '../resource-uris.js';
import { defineTool } from './define.js';
import { ToolInputError } from './errors.js';
import { SpendOutput, spendInputs, spendOutcome } from './spend-shared.js';

export const approveProject = defineTool({
  name: 'approve_project',
  title: 'Approve and generate the video (spends credits)',
  description:
    'Generate a proposed project’s video (5–15 min). SPENDS CREDITS: about 100 per scene. Call it first without ' +
    'confirm_credits: it spends nothing and returns a quote (or asks the person directly). Only after the person ' +
    'agrees to the figure, call again with confirm_credits: true, the quote_token and max_credits.',
  effect: 'spend',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: z.object({
    project_id: ProjectId,
    video_model: ModelName.optional().describe(`Default ${DEFAULT_VIDEO_MODEL}.`),
    image_model: ModelName.optional().describe(`Default ${DEFAULT_IMAGE_MODEL}.`),
    ...spendInputs,
  }),
  output: SpendOutput,
  async handler(args, ctx) {
    const video_model = args.video_model ?? DEFAULT_VIDEO_MODEL;
    const image_model = args.image_model ?? DEFAULT_IMAGE_MODEL;
    const prepare = async () => {
      const p = await ctx.api.getProject(args.project_id, { signal: ctx.signal });
      if (p.status !== 'proposed') {
        throw new ToolInputError(
          `Project ${p.id} is ${p.status}, not proposed: only a proposed project can be approved. Nothing was spent. ` +
            (p.status === 'creating'
              ? 'Wait for its scenes with get_status.'
              : 'Call get_status to see where it is.'),
        );
      }
      if (!p.scenes) {
        throw new ToolInputError(
          `The service's answer for project ${p.id} did not list its scenes, so the cost cannot be worked out. Nothing was spent. Call get_project, then try again.`,
        );
      }
      const scenes = p.scenes;
      const count = scenes.length || (p.num_scenes ?? 0);
      if (!count)
        throw new ToolInputError(`Project ${p.id} has no scenes yet: call get_project, then try again.`);
      return {
        subject: {
          action: 'approve_project' as const,
          project_id: p.id,
          scenes_hash: hashScenes(scenes),
          credits: approveCost(count),
          params: { video_model, image_model },
        },
        // What the credits buy first; the project's own (user-written) title last, cleaned and quoted.
        before: p,
        summary: `Generate project ${p.id}: ${count} scenes × ${SCENE_SECONDS} s with ${video_model} (video) and ${image_model} (images)${p.description ? `, titled ${titleText(p.description, 60)}` : ''}`,
      };
    };
    const gate = await runSpend(ctx, prepare, args, () =>
      ctx.api.approveProject(
        args.project_id,
        { confirm_credits: true, video_model, image_model },
        { signal: ctx.signal },
      ),
    );
    return spendOutcome(args.project_id, gate, 'approve_project', (r, credits) => ({
      message: `Generation started for project ${args.project_id}: ${credits} credits reserved (${r.status}). It takes 5–15 minutes.`,
      next: `Call get_status with project_id ${args.project_id} and wait_seconds 50 until it completes, or subscribe to ${projectUri(args.project_id)}.`,
    }));
  },
});
