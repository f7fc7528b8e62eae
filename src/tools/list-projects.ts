import { z } from 'zod';
import { KNOWN_PROJECT_STATUSES, PersonId } from '../api/schemas.js';
import { defineTool, READ } from './define.js';
import { oneLine, projectLink } from './shapes.js';

const Summary = z.looseObject({
  id: z.int(),
  status: z.string(),
  description: z.string().nullish(),
  progress: z.number().nullish(),
  num_scenes: z.int().nullish(),
  final_video_url: z.string().nullish(),
  final_video_url_upscaled: z.string().nullish(),
  created_at: z.string().nullish(),
});

export const listProjects = defineTool({
  name: 'list_projects',
  title: 'List scene projects',
  description:
    'List the account’s video projects, newest first, optionally of one person or in one status (proposed, ' +
    'generating, completed, failed…). Free.',
  effect: 'read',
  annotations: READ,
  input: z.object({
    person_id: PersonId.optional().describe('Only this person’s projects.'),
    status: z.string().trim().min(1).max(40).optional().describe('Only projects in this status.'),
    limit: z.int().min(1).max(100).default(20),
  }),
  output: z.object({ projects: z.array(Summary), total: z.int(), shown: z.int() }),
  async handler(args, ctx) {
    const all = await ctx.api.listProjects(
      { person_id: args.person_id, status_filter: args.status },
      { signal: ctx.signal },
    );
    const sorted = [...all].sort(
      (a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? '') || b.id - a.id,
    );
    const shown = sorted.slice(0, args.limit).map((p) => ({
      id: p.id,
      status: p.status,
      description: p.description ?? p.story_idea ?? null,
      progress: p.progress ?? null,
      num_scenes: p.num_scenes ?? p.scenes?.length ?? null,
      final_video_url: p.final_video_url ?? null,
      final_video_url_upscaled: p.final_video_url_upscaled ?? null,
      created_at: p.created_at ?? null,
    }));
    const lines = shown.map(
      (p) =>
        `#${p.id} ${p.status}${p.progress != null && p.status === 'generating' ? ` ${p.progress}%` : ''} — ${oneLine(p.description, 80)}` +
        ((p.final_video_url_upscaled ?? p.final_video_url)
          ? ` — ${p.final_video_url_upscaled ?? p.final_video_url}`
          : ''),
    );
    const head = all.length
      ? `${all.length} project${all.length === 1 ? '' : 's'}${shown.length < all.length ? ` (showing ${shown.length})` : ''}:`
      : args.status && !(KNOWN_PROJECT_STATUSES as readonly string[]).includes(args.status)
        ? `No projects are "${args.status}". Known statuses: ${KNOWN_PROJECT_STATUSES.join(', ')}.`
        : args.status || args.person_id
          ? 'No projects match these filters.'
          : 'No projects yet. Create one with create_story.';
    return {
      structured: { projects: shown, total: all.length, shown: shown.length },
      text: [head, ...lines].join('\n'),
      links: shown.slice(0, 10).map(projectLink),
    };
  },
});
