import { z } from 'zod';
import { approveCost } from '../api/pricing.js';
import { NumScenes, PersonId, StoryIdea } from '../api/schemas.js';
import { withHeartbeat } from '../live/heartbeat.js';
import { defineTool } from './define.js';
import { ToolInputError } from './errors.js';
import { nextStep, ProjectRef, projectLink, sceneLines } from './shapes.js';

export const createStory = defineTool({
  name: 'create_story',
  title: 'Draft a video from a story idea',
  description:
    'Draft a video project from a story idea: 2–10 scenes of 10 s, each with a description, image and motion ' +
    'prompts and narration for the person to review. Free. Then update_scene to refine, approve_project to ' +
    'generate (~100 credits a scene).',
  effect: 'write',
  view: 'storyboard',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: z.object({
    story_idea: StoryIdea.describe('Who, what happens, the mood.'),
    num_scenes: NumScenes.default(5),
    person_id: PersonId.optional().describe('The person (character) who stars; default: the configured one.'),
    use_avatar_first_scene: z.boolean().optional().describe('Open with the person talking to camera.'),
    use_avatar_last_scene: z.boolean().optional().describe('Close with the person talking to camera.'),
  }),
  output: z.object({ project: ProjectRef, estimated_credits: z.int(), next_step: z.string() }),
  async handler(args, ctx) {
    const personId = args.person_id ?? ctx.defaults.personId;
    if (personId === undefined) {
      throw new ToolInputError(
        'person_id is required: pass the id of the person (character) who stars, or set TWIN_PERSON_ID for the server.',
      );
    }
    // Upstream drafting can take tens of seconds: keep the call alive with progress.
    const created = await withHeartbeat(ctx, 'Drafting scenes from the story idea…', () =>
      ctx.api.createStory(
        {
          person_id: personId,
          story_idea: args.story_idea,
          num_scenes: args.num_scenes,
          use_avatar_first_scene: args.use_avatar_first_scene,
          use_avatar_last_scene: args.use_avatar_last_scene,
        },
        { signal: ctx.signal },
      ),
    );
    // The create answer carries no scene ids, and update_scene needs them: read the project once.
    const needsIds = (created.scenes ?? []).some((s) => s.id == null) || !created.scenes?.length;
    const project =
      needsIds && created.status === 'proposed'
        ? await ctx.api.getProject(created.id, { signal: ctx.signal })
        : created;
    const merged = { ...created, ...project, story_idea: created.story_idea ?? project.story_idea };
    const count = merged.scenes?.length || merged.num_scenes || args.num_scenes;
    const estimate = approveCost(count);
    ctx.log('info', 'story drafted', { project_id: merged.id, scenes: count });
    const next = nextStep(merged);
    return {
      structured: { project: merged, estimated_credits: estimate, next_step: next },
      text: [
        `Created project ${merged.id} (${merged.status}) with ${count} scenes. Generating it would cost about ${estimate} credits.`,
        ...sceneLines(merged.scenes, true),
        `Next: ${next}`,
      ].join('\n'),
      links: [projectLink(merged)],
    };
  },
});
