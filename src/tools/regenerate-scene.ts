import { z } from 'zod';
import { regenerateCost } from '../api/pricing.js';
import { ProjectId, promptText, SceneNumber } from '../api/schemas.js';
import { runSpend, shortHash } from '../consent/gate.js';
import { hashScenes } from '../consent/index.js';
import { projectUri } from '../resource-uris.js';
import { defineTool } from './define.js';
import { ToolInputError } from './errors.js';
import { SpendOutput, spendInputs, spendOutcome } from './spend-shared.js';

/** The scenes as a regeneration with new prompts leaves them. */
function withPrompts<
  S extends { scene_number: number; image_prompt?: string | null; motion_prompt?: string | null },
>(scenes: readonly S[], sceneNumber: number, image: string | undefined, motion: string | undefined): S[] {
  return scenes.map((s) =>
    s.scene_number === sceneNumber
      ? { ...s, image_prompt: image ?? s.image_prompt, motion_prompt: motion ?? s.motion_prompt }
      : s,
  );
}

export const regenerateScene = defineTool({
  name: 'regenerate_scene',
  title: 'Regenerate one scene (spends credits)',
  description:
    'Re-make one scene of a completed or failed project and re-stitch the video. SPENDS CREDITS: 100, or 10 for ' +
    'the image alone. Call it first without confirm_credits for a quote (or the person is asked directly); only ' +
    'after they agree, call again with confirm_credits: true, the quote_token and max_credits.',
  effect: 'spend',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: z.object({
    project_id: ProjectId,
    scene_number: SceneNumber.describe('Position, from 1.'),
    regenerate_image: z.boolean().default(true),
    regenerate_video: z.boolean().default(true),
    updated_image_prompt: promptText('updated_image_prompt').optional(),
    updated_motion_prompt: promptText('updated_motion_prompt').optional(),
    ...spendInputs,
  }),
  output: SpendOutput,
  async handler(args, ctx) {
    const { project_id, scene_number, regenerate_image, regenerate_video } = args;
    if (!regenerate_image && !regenerate_video) {
      throw new ToolInputError(
        'regenerate_image and regenerate_video are both false: nothing to regenerate.',
      );
    }
    const credits = regenerateCost({ regenerate_image, regenerate_video });
    const prepare = async () => {
      const p = await ctx.api.getProject(project_id, { signal: ctx.signal });
      if (p.status !== 'completed' && p.status !== 'failed') {
        throw new ToolInputError(
          `Project ${p.id} is ${p.status}: a scene can be regenerated only once the project is completed or failed. Nothing was spent. ${p.status === 'proposed' || p.status === 'draft' ? 'Generate it first with approve_project (or change a scene for free with update_scene).' : 'Follow it with get_status until it completes.'}`,
        );
      }
      const scenes = p.scenes ?? [];
      if (scenes.length && !scenes.some((s) => s.scene_number === scene_number)) {
        throw new ToolInputError(`Project ${p.id} has no scene ${scene_number} (it has ${scenes.length}).`);
      }
      const what =
        regenerate_image && regenerate_video ? 'image and video' : regenerate_image ? 'image' : 'video';
      return {
        subject: {
          action: 'regenerate_scene' as const,
          project_id: p.id,
          scene_number,
          scenes_hash: hashScenes(scenes),
          credits,
          params: {
            regenerate_image,
            regenerate_video,
            // Hashes, not the prompts: the token stays short and the host’s approval prompt readable.
            image_prompt_sha: args.updated_image_prompt ? shortHash(args.updated_image_prompt) : undefined,
            motion_prompt_sha: args.updated_motion_prompt ? shortHash(args.updated_motion_prompt) : undefined,
          },
        },
        // The regeneration writes its new prompts into the scene: that fingerprint is expected after it.
        afterHashes:
          args.updated_image_prompt || args.updated_motion_prompt
            ? [
                hashScenes(
                  withPrompts(scenes, scene_number, args.updated_image_prompt, args.updated_motion_prompt),
                ),
              ]
            : undefined,
        before: p,
        summary: `Regenerate the ${what} of scene ${scene_number} in project ${p.id}${args.updated_image_prompt || args.updated_motion_prompt ? ' with new prompts' : ''}, then re-stitch the final video`,
      };
    };
    const gate = await runSpend(ctx, prepare, args, () =>
      ctx.api.regenerateScene(
        project_id,
        scene_number,
        {
          regenerate_image,
          regenerate_video,
          updated_image_prompt: args.updated_image_prompt,
          updated_motion_prompt: args.updated_motion_prompt,
        },
        { signal: ctx.signal },
      ),
    );
    return spendOutcome(project_id, gate, 'regenerate_scene', (r, spent) => ({
      message: `Regenerating scene ${scene_number} of project ${project_id}: ${spent} credits (${r.status}).`,
      next: `Call get_status with project_id ${project_id} and wait_seconds 50 until it completes, or subscribe to ${projectUri(project_id)}.`,
    }));
  },
});
