import { z } from 'zod';
import { approveCost } from '../api/pricing.js';
import { ProjectId } from '../api/schemas.js';
import { defineTool, READ } from './define.js';
import { nextStep, ProjectOut, projectLink, sceneLines, statusLine } from './shapes.js';

export const getProject = defineTool({
  name: 'get_project',
  title: 'Get a scene project',
  description:
    'One project with every scene (ids, prompts, narration, media URLs) and its videos when done. Free. Use it ' +
    'to review the scenes with the person before approval.',
  effect: 'read',
  view: 'storyboard',
  annotations: READ,
  input: z.object({
    project_id: ProjectId,
    include_images: z
      .boolean()
      .default(false)
      .describe('Also return each scene image (JPEG, ≤ 512 px) to look at.'),
  }),
  output: z.object({
    project: ProjectOut,
    estimated_credits: z.int().nullish().describe('Cost of generating it, while proposed.'),
    next_step: z.string(),
  }),
  async handler({ project_id, include_images }, ctx) {
    const p = await ctx.api.getProject(project_id, { signal: ctx.signal });
    // No scenes array in the answer: the count is unknown, so there is no estimate (never "0 credits").
    const count = p.scenes?.length;
    const estimate =
      count !== undefined && (p.status === 'proposed' || p.status === 'draft') ? approveCost(count) : null;
    const next = nextStep(p);
    const text = [
      `${statusLine(p)} — ${p.description ?? p.story_idea ?? ''}`.trim(),
      ...(p.scenes
        ? sceneLines(p.scenes, true)
        : ["Scenes: unknown (the service's answer did not list them)."]),
      p.final_video_url ? `Final video: ${p.final_video_url}` : '',
      p.final_video_url_upscaled ? `Upscaled video: ${p.final_video_url_upscaled}` : '',
      estimate != null ? `Generating it would cost about ${estimate} credits.` : '',
      `Next: ${next}`,
    ].filter(Boolean);
    // Loaded only when asked: it brings the image decoder.
    const shown = include_images
      ? await (await import('../media/scene-images.js')).sceneImages(p.scenes ?? [], ctx.signal)
      : undefined;
    return {
      structured: { project: p, estimated_credits: estimate, next_step: next },
      text: [...text, ...(shown?.lines ?? [])].join('\n'),
      links: [projectLink(p)],
      ...(shown?.images.length && { images: shown.images }),
    };
  },
});
