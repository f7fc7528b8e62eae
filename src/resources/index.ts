/**
 * Project resources, on every server instance:
 * - `scene-projects://projects/{id}`: JSON of the project with its scenes and live status; listed
 *   from the recent projects; `{id}` completes from them.
 * - `scene-projects://projects/{id}/storyboard`: the same project as Markdown a person can read.
 * Both can be subscribed to (resources/subscribe or subscriptions/listen).
 */
import { type McpServer, ResourceNotFoundError, ResourceTemplate } from '@modelcontextprotocol/server';
import { ApiError } from '../api/errors/index.js';
import { isTerminalStatus, type Project, type ProjectStatusResponse } from '../api/schemas.js';
import { titleText } from '../clean-text.js';
import { errorText } from '../error-text.js';
import { perRuntime } from '../per-runtime.js';
import { projectUri, storyboardUri } from '../resource-uris.js';
import type { Runtime } from '../runtime.js';
import { recentProjects } from './recent.js';
import { type ProjectView, projectView, storyboardMarkdown } from './storyboard.js';

export const PROJECT_TEMPLATE = 'scene-projects://projects/{id}';
export const STORYBOARD_TEMPLATE = 'scene-projects://projects/{id}/storyboard';

/** A status snapshot younger than this is served from the watcher instead of asking upstream again. */
const FRESH_MS = 1500;

function idFrom(variables: Record<string, string | string[]>, uri: URL): number {
  const raw = variables.id;
  const v = Array.isArray(raw) ? raw[0] : raw;
  const id = Number(v);
  if (!v || !/^\d{1,12}$/.test(v) || !Number.isSafeInteger(id) || id <= 0) {
    throw new Error(`${uri.href}: the project id must be a positive whole number.`);
  }
  return id;
}

/** Reads a project and, while it is moving, its live status (from the watcher when fresh). */
export async function readProjectView(rt: Runtime, id: number, signal?: AbortSignal): Promise<ProjectView> {
  let project: Project;
  try {
    project = await rt.api.getProject(id, { signal });
  } catch (err) {
    if (err instanceof ApiError && err.kind === 'not_found') {
      throw new ResourceNotFoundError(projectUri(id), errorText(err));
    }
    throw new Error(errorText(err));
  }
  let status: ProjectStatusResponse | undefined;
  const moving =
    !isTerminalStatus(project.status) && project.status !== 'proposed' && project.status !== 'draft';
  const cached = rt.live?.watcher.latest(id);
  if (cached && cached.ageMs < FRESH_MS) status = cached.snapshot;
  else if (moving) status = await rt.api.getStatus(id, { signal }).catch(() => undefined);
  return projectView(project, status);
}

const describe = (p: Project) =>
  `${p.status}${p.progress != null && p.status === 'generating' ? ` ${Math.round(p.progress)}%` : ''}${
    p.description || p.story_idea ? ` — ${titleText(p.description || p.story_idea, 80)}` : ''
  }`;

/** Templates are built once per runtime: 2026-era HTTP builds a server instance for every request. */
const templates = perRuntime((rt: Runtime) => {
  const recent = recentProjects(rt);
  const completeId = { id: (value: string) => recent.completeIds(value) };
  return {
    project: new ResourceTemplate(PROJECT_TEMPLATE, {
      list: async () => ({
        resources: (await recent.get()).map((p) => ({
          uri: projectUri(p.id),
          name: `project-${p.id}`,
          title: `Scene project ${p.id}${p.description ? `: ${titleText(p.description, 60)}` : ''}`,
          description: describe(p),
          mimeType: 'application/json',
        })),
      }),
      complete: completeId,
    }),
    storyboard: new ResourceTemplate(STORYBOARD_TEMPLATE, {
      list: async () => ({
        resources: (await recent.get()).map((p) => ({
          uri: storyboardUri(p.id),
          name: `storyboard-${p.id}`,
          title: `Storyboard ${p.id}${p.description ? `: ${titleText(p.description, 60)}` : ''}`,
          description: `Readable storyboard (${describe(p)})`,
          mimeType: 'text/markdown',
        })),
      }),
      complete: completeId,
    }),
  };
});

export function registerProjectResources(server: McpServer, rt: Runtime): void {
  const t = templates(rt);

  server.registerResource(
    'project',
    t.project,
    {
      title: 'Scene project',
      description:
        'A scene project as JSON: status, progress, current step, scenes (prompts, narration, per-scene image/video state and URLs), final video URL and the next step. Subscribe to be told when it changes.',
      mimeType: 'application/json',
    },
    async (uri, variables, ctx) => {
      const view = await readProjectView(rt, idFrom(variables, uri), ctx.mcpReq.signal);
      return {
        contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(view, null, 2) }],
      };
    },
  );

  server.registerResource(
    'storyboard',
    t.storyboard,
    {
      title: 'Storyboard',
      description:
        'A scene project as a readable Markdown storyboard: each scene with its description, prompts, narration, status and media links, plus the final video.',
      mimeType: 'text/markdown',
    },
    async (uri, variables, ctx) => {
      const view = await readProjectView(rt, idFrom(variables, uri), ctx.mcpReq.signal);
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: storyboardMarkdown(view) }] };
    },
  );
}
