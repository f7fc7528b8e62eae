import { z } from 'zod';
import { ProjectId, promptText, SceneId, SceneNumber, SceneUpdateRequest } from '../api/schemas.js';
import { defineTool } from './define.js';
import { ToolInputError } from './errors.js';
import { oneLine, projectLink, SceneRef } from './shapes.js';

const text = (field: string, what: string) => promptText(field).optional().describe(what);

export const updateScene = defineTool({
  name: 'update_scene',
  title: 'Edit a proposed scene',
  description:
    'Edit a scene’s description, prompts or narration before approval. Free. Name the scene by scene_number ' +
    'or scene_id. An earlier quote for the project becomes void.',
  effect: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    project_id: ProjectId,
    scene_number: SceneNumber.optional().describe('Position, from 1.'),
    scene_id: SceneId.optional(),
    description: text('description', 'What happens.'),
    image_prompt: text('image_prompt', 'The still image.'),
    motion_prompt: text('motion_prompt', 'Camera and subject motion.'),
    narration_text: text('narration_text', 'The narrator’s words (about 10 s).'),
  }),
  output: z.object({ project_id: z.int(), scene: SceneRef, changed_fields: z.array(z.string()) }),
  async handler(args, ctx) {
    const { project_id, scene_number, scene_id, ...fields } = args;
    const patch = SceneUpdateRequest.safeParse(fields);
    if (!patch.success) {
      throw new ToolInputError(
        'Nothing to change: give at least one of description, image_prompt, motion_prompt, narration_text.',
      );
    }
    if (scene_number === undefined && scene_id === undefined) {
      throw new ToolInputError('Name the scene: pass scene_number (1-based position) or scene_id.');
    }
    // Under the project's lock: a confirmed spend re-checks its quote against the scenes and calls
    // upstream without an edit of ours landing in between (the edit waits, then sees the new status).
    const { updated, id, number } = await ctx.lockProject(
      project_id,
      async () => {
        // One read answers the questions the upstream error would answer less clearly: is the project
        // still editable, and which scene is meant.
        const project = await ctx.api.getProject(project_id, { signal: ctx.signal });
        if (project.status !== 'proposed' && project.status !== 'draft') {
          throw new ToolInputError(
            `Project ${project_id} is ${project.status}: scenes can be edited only before approval. ` +
              (project.status === 'completed' || project.status === 'failed'
                ? 'To change a generated scene, use regenerate_scene with updated_image_prompt / updated_motion_prompt (costs credits, quoted first).'
                : 'Follow it with get_status; once it is completed, regenerate_scene can change a scene.'),
          );
        }
        const scene =
          scene_number !== undefined
            ? project.scenes?.find((s) => s.scene_number === scene_number)
            : project.scenes?.find((s) => s.id === scene_id);
        if (!scene || scene.id == null) {
          const which = scene_number !== undefined ? `scene ${scene_number}` : `scene with id ${scene_id}`;
          throw new ToolInputError(
            project.scenes
              ? `Project ${project_id} has no ${which} (it has ${project.scenes.length} scenes). Call get_project to see them.`
              : `The service's answer for project ${project_id} did not list its scenes, so ${which} cannot be found. Nothing was changed. Call get_project, then try again.`,
          );
        }
        if (scene_id !== undefined && scene_id !== scene.id) {
          throw new ToolInputError(
            `scene_number ${scene_number} is scene id ${scene.id}, not ${scene_id}: pass only one of them.`,
          );
        }
        const id = scene.id;
        let number: number | undefined = scene.scene_number;
        const updated = await ctx.api.updateScene(project_id, id as number, patch.data, {
          signal: ctx.signal,
        });
        number = updated.scene_number ?? number;
        return { updated, id, number };
      },
      'update_scene',
    );
    const changed = Object.keys(patch.data).filter(
      (k) => patch.data[k as keyof typeof patch.data] !== undefined,
    );
    ctx.log('info', 'scene updated', { project_id, scene_number: number, fields: changed });
    return {
      structured: { project_id, scene: updated, changed_fields: changed },
      text: [
        `Updated scene ${number ?? `id ${id}`} of project ${project_id}: ${changed.join(', ')}.`,
        ...changed.map((k) => `  ${k}: ${oneLine(String(updated[k as keyof typeof updated] ?? ''), 300)}`),
        'Next: review the other scenes, or call approve_project for a fresh quote.',
      ].join('\n'),
      links: [projectLink({ id: project_id })],
    };
  },
});
