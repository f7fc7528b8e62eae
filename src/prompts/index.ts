/**
 * Prompts a person picks in the host (slash commands, menus): the guided workflow from a story
 * idea to a delivered video, and refining one scene of an existing project.
 */
import { completable, type McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { perRuntime } from '../per-runtime.js';
import { projectUri, storyboardUri } from '../resource-uris.js';
import { recentProjects } from '../resources/recent.js';
import type { Runtime } from '../runtime.js';

const SCENE_COUNTS = ['2', '3', '4', '5', '6', '7', '8', '9', '10'];
const SCENE_NUMBERS = ['1', ...SCENE_COUNTS];

export function makeVideoText(storyIdea: string, numScenes: number): string {
  return [
    `Make a short video from this story idea, with ${numScenes} scenes of 10 s each:`,
    '',
    `"${storyIdea.trim()}"`,
    '',
    'Follow these steps, and keep the person in the loop:',
    `1. Draft: call create_story with the story idea and num_scenes ${numScenes}. It is free. If the project is still "creating", call get_status with wait_seconds 30 until it is "proposed".`,
    '2. Review: show the person every scene (description, image prompt, motion, narration) — the storyboard resource scene-projects://projects/{id}/storyboard reads well. Ask what they would change; apply it with update_scene. Repeat until they are happy.',
    '3. Quote: call approve_project. It answers with the credits the generation will cost (about 100 per scene) before spending anything.',
    '4. Consent: tell the person the figure and ask plainly whether to spend it. Go on only on a clear yes; if the host shows a confirmation, let the person answer it. A no ends here: nothing is spent.',
    '5. Follow: generation takes 5–15 minutes. Call get_status with wait_seconds 50 and until "done" repeatedly (each call returns at the end or after 50 s, with progress meanwhile), or subscribe to the project resource if your host can. Tell the person briefly how it goes (step, scene i of N); do not flood them.',
    '6. Deliver: when the status is completed, give the person final_video_url (save_video puts it on their disk, where offered). Offer upscale (free) or regenerate_scene for a scene they dislike (costs credits: quote and ask again). If it failed, say why and offer a retry.',
  ].join('\n');
}

export function refineSceneText(
  projectId: number,
  sceneNumber: number | undefined,
  change: string | undefined,
): string {
  const scene = sceneNumber !== undefined ? `scene ${sceneNumber}` : 'the scene the person wants to change';
  return [
    `Help the person refine ${scene} of scene project ${projectId}.`,
    change
      ? `What they asked for: "${change.trim()}"`
      : 'Ask them what they want changed (what is seen, the motion, the narration).',
    '',
    `1. Read the project: get_project with project_id ${projectId} (or the storyboard ${storyboardUri(projectId)}). Show the current scene: description, image prompt, motion, narration, and its video if there is one.`,
    '2. Propose the new wording and agree on it with the person.',
    '3. If the project is still "proposed" (not yet approved): apply it with update_scene (free), then continue with the review.',
    '4. If the project is completed or failed: regenerate_scene re-renders the scene (with updated_image_prompt / updated_motion_prompt) and re-stitches the final video. It costs credits: it quotes first; tell the person the figure and go on only with their clear yes.',
    `5. Follow the re-render with get_status, wait_seconds 50 and until "done" (or a subscription to ${projectUri(projectId)}) and share the new final_video_url.`,
  ].join('\n');
}

/**
 * Argument schemas are built once per runtime, not per server instance: 2026-era HTTP builds an
 * instance for every request, and constructing zod schemas there showed up in the load benchmark.
 */
const promptSchemas = perRuntime((rt: Runtime) => {
  const recent = recentProjects(rt);
  return {
    makeVideo: z.object({
      story_idea: z.string().describe('The story in a sentence or two (10–1000 characters).'),
      // completable() inside optional(): the SDK unwraps optional before it looks for a completer.
      num_scenes: completable(z.string().describe('How many 10-second scenes (2–10, default 5).'), (value) =>
        SCENE_COUNTS.filter((n) => n.startsWith((value ?? '').trim())),
      ).optional(),
    }),
    refineScene: z.object({
      project_id: completable(z.string().describe('The project id.'), (value) =>
        recent.completeIds(value ?? ''),
      ),
      scene_number: completable(z.string().describe('The scene number (1–10), if known.'), (value) =>
        SCENE_NUMBERS.filter((n) => n.startsWith((value ?? '').trim())),
      ).optional(),
      change: z.string().optional().describe('What the person wants changed, in their words.'),
    }),
  };
});

export function registerPrompts(server: McpServer, rt: Runtime): void {
  const args = promptSchemas(rt);

  server.registerPrompt(
    'make_video',
    {
      title: 'Make a video from a story idea',
      description:
        'The guided workflow: draft the scenes, review them with the person, quote the credits, get consent, follow the generation, deliver the video.',
      argsSchema: args.makeVideo,
    },
    ({ story_idea, num_scenes }) => {
      const n = Number(num_scenes ?? 5);
      const count = Number.isInteger(n) && n >= 2 && n <= 10 ? n : 5;
      return {
        description: `Make a ${count}-scene video`,
        messages: [
          {
            role: 'user' as const,
            content: { type: 'text' as const, text: makeVideoText(story_idea, count) },
          },
        ],
      };
    },
  );

  server.registerPrompt(
    'refine_scene',
    {
      title: 'Refine a scene',
      description:
        'Change one scene of a project: edit it before approval (free), or regenerate it after (costs credits, asked first).',
      argsSchema: args.refineScene,
    },
    ({ project_id, scene_number, change }) => {
      const id = Number(project_id);
      if (!/^\d+$/.test(project_id.trim()) || !Number.isSafeInteger(id) || id <= 0) {
        throw new Error(`project_id must be a positive whole number; got "${project_id}".`);
      }
      const sn =
        scene_number !== undefined && /^\d+$/.test(scene_number.trim()) ? Number(scene_number) : undefined;
      return {
        description: `Refine a scene of project ${id}`,
        messages: [
          {
            role: 'user' as const,
            content: { type: 'text' as const, text: refineSceneText(id, sn, change) },
          },
          {
            role: 'user' as const,
            content: {
              type: 'resource_link' as const,
              uri: storyboardUri(id),
              name: `storyboard-${id}`,
              title: `Storyboard of project ${id}`,
              mimeType: 'text/markdown',
            },
          },
        ],
      };
    },
  );
}
