/**
 * The `/api/v1` routes. Check order follows a FastAPI service: route, then bearer token, then
 * request validation (422), then the handler's own refusals (404, 400, 403). Every refusal
 * happens before any change, so a refused request never spends credits.
 */
import { timingSafeEqual } from 'node:crypto';
import { fail, HttpError, json, type Reply } from './http.js';
import type { ProjectStore } from './store.js';
import {
  asObject,
  field,
  type Issue,
  lengthIssue,
  parseJson,
  rangeIssue,
  toBool,
  toInt,
  toStr,
} from './validation.js';
import type { Views } from './views.js';

export interface ApiRequest {
  method: string;
  /** Path below /api/v1, e.g. /scene-projects/3. */
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  body: Buffer;
  /** Origin for the absolute media URLs in answers. */
  origin: string;
}

export interface ApiContext {
  store: ProjectStore;
  views: Views;
  token: string;
}

type Params = Record<string, number>;
type Handler = (ctx: ApiContext, req: ApiRequest, params: Params) => Reply;

interface Route {
  method: string;
  pattern: RegExp;
  params: string[];
  handler: Handler;
}

const route = (method: string, template: string, handler: Handler): Route => {
  const params: string[] = [];
  const source = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { method, pattern: new RegExp(`^${source}$`), params, handler };
};

const invalid = (issues: Issue[]): never => {
  throw new HttpError(json(422, { detail: issues }));
};

function body(req: ApiRequest, required: boolean): Record<string, unknown> {
  const parsed = parseJson(req.body, required);
  if ('issues' in parsed) return invalid(parsed.issues);
  if (parsed.value === undefined) return {};
  const issues: Issue[] = [];
  const obj = asObject(parsed.value, issues);
  if (!obj) return invalid(issues);
  return obj;
}

/** Long free-text fields are capped so a runaway prompt is refused rather than stored. */
function text(obj: Record<string, unknown>, key: string, issues: Issue[]): string | undefined {
  const value = field(obj, key, toStr, issues);
  if (value === undefined) return undefined;
  const issue = lengthIssue(value, ['body', key], 1, 4000);
  if (issue) issues.push(issue);
  return issue ? undefined : value;
}

const createStory: Handler = (ctx, req) => {
  const obj = body(req, true);
  const issues: Issue[] = [];
  const personId = field(obj, 'person_id', toInt, issues, { required: true });
  const storyIdea = field(obj, 'story_idea', toStr, issues, { required: true });
  const numScenes = field(obj, 'num_scenes', toInt, issues) ?? 5;
  const useAvatarFirst = field(obj, 'use_avatar_first_scene', toBool, issues) ?? false;
  const useAvatarLast = field(obj, 'use_avatar_last_scene', toBool, issues) ?? false;
  if (issues.length > 0 || personId === undefined || storyIdea === undefined) return invalid(issues);
  // Out-of-range values are the reference's "400 Invalid story idea or parameters", not a 422.
  const semantic = [
    lengthIssue(storyIdea, ['body', 'story_idea'], 10, 1000),
    rangeIssue(numScenes, ['body', 'num_scenes'], 2, 10),
  ].filter((i): i is Issue => i !== undefined);
  if (semantic.length > 0) return fail(400, semantic);
  const project = ctx.store.create({
    personId,
    storyIdea: storyIdea.trim(),
    numScenes,
    useAvatarFirst,
    useAvatarLast,
  });
  return json(201, ctx.views.create(project));
};

const listProjects: Handler = (ctx, req) => {
  const issues: Issue[] = [];
  const query = Object.fromEntries(req.query);
  const personId = field(query, 'person_id', toInt, issues, { where: 'query' });
  if (issues.length > 0) return invalid(issues);
  const statusFilter = req.query.get('status_filter') ?? undefined;
  const projects = ctx.store
    .list()
    .filter((p) => personId === undefined || p.personId === personId)
    .filter((p) => !statusFilter || ctx.store.statusOf(p) === statusFilter);
  return json(
    200,
    projects.map((p) => ctx.views.project(req.origin, p)),
  );
};

const getProject: Handler = (ctx, req, { id }) =>
  json(200, ctx.views.project(req.origin, ctx.store.get(id!)));

const getStatus: Handler = (ctx, req, { id }) => json(200, ctx.views.status(req.origin, ctx.store.get(id!)));

const updateScene: Handler = (ctx, req, { project_id, scene_id }) => {
  const obj = body(req, true);
  const issues: Issue[] = [];
  const patch = {
    description: text(obj, 'description', issues),
    image_prompt: text(obj, 'image_prompt', issues),
    motion_prompt: text(obj, 'motion_prompt', issues),
    narration_text: text(obj, 'narration_text', issues),
  };
  if (issues.length > 0) return invalid(issues);
  const scene = ctx.store.updateScene(project_id!, scene_id!, patch);
  const project = ctx.store.get(project_id!);
  return json(200, ctx.views.scene(req.origin, scene, ctx.store.live(project)));
};

const approve: Handler = (ctx, req, { id }) => {
  // No body at all is refused like `confirm_credits: false` (400), as the API notes decide.
  const obj = body(req, false);
  const issues: Issue[] = [];
  const confirmCredits = field(obj, 'confirm_credits', toBool, issues);
  const videoModel = field(obj, 'video_model', toStr, issues);
  const imageModel = field(obj, 'image_model', toStr, issues);
  if (issues.length > 0) return invalid(issues);
  const project = ctx.store.approve(id!, { confirmCredits, videoModel, imageModel });
  return json(202, {
    id: project.id,
    status: 'generating',
    progress: 0,
    message: `Video generation started. Use GET /scene-projects/${project.id}/status to track progress.`,
  });
};

const regenerate: Handler = (ctx, req, { project_id, scene_number }) => {
  const obj = body(req, false);
  const issues: Issue[] = [];
  const regenerateImage = field(obj, 'regenerate_image', toBool, issues) ?? true;
  const regenerateVideo = field(obj, 'regenerate_video', toBool, issues) ?? true;
  const updatedImagePrompt = text(obj, 'updated_image_prompt', issues);
  const updatedMotionPrompt = text(obj, 'updated_motion_prompt', issues);
  if (issues.length > 0) return invalid(issues);
  const { project, cost } = ctx.store.regenerate(project_id!, scene_number!, {
    regenerateImage,
    regenerateVideo,
    updatedImagePrompt,
    updatedMotionPrompt,
  });
  return json(202, {
    id: project.id,
    status: 'generating',
    progress: 0,
    scene_number,
    credits_charged: cost,
    message: `Scene ${scene_number} regeneration started. The final video will be re-stitched automatically.`,
  });
};

const upscale: Handler = (ctx, _req, { id }) => {
  const project = ctx.store.upscale(id!);
  return json(202, {
    id: project.id,
    status: 'upscaling',
    message: 'Upscaling started. This may take 5-10 minutes.',
  });
};

const ROUTES: Route[] = [
  route('POST', '/stories/create', createStory),
  route('GET', '/scene-projects', listProjects),
  route('GET', '/scene-projects/{id}', getProject),
  route('PUT', '/scene-projects/{project_id}/scenes/{scene_id}', updateScene),
  route('POST', '/scene-projects/{id}/approve', approve),
  route('GET', '/scene-projects/{id}/status', getStatus),
  route('POST', '/scene-projects/{project_id}/scenes/{scene_number}/regenerate', regenerate),
  route('POST', '/scene-projects/{id}/upscale', upscale),
];

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function authorized(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function handleApi(ctx: ApiContext, req: ApiRequest): Reply {
  try {
    const matches = ROUTES.map((r) => ({ r, m: r.pattern.exec(req.path) })).filter((x) => x.m);
    if (matches.length === 0) return json(404, { detail: 'Not Found' });
    const hit = matches.find((x) => x.r.method === req.method);
    if (!hit) {
      const allow = [...new Set(matches.map((x) => x.r.method))].join(', ');
      return json(405, { detail: 'Method Not Allowed' }, { allow });
    }
    if (!req.authorization)
      return json(401, { detail: 'Not authenticated' }, { 'www-authenticate': 'Bearer' });
    if (!authorized(req.authorization, ctx.token)) {
      return json(401, { detail: 'Invalid authentication credentials' }, { 'www-authenticate': 'Bearer' });
    }
    const issues: Issue[] = [];
    const params: Params = {};
    hit.r.params.forEach((name, i) => {
      const raw = safeDecode(hit.m![i + 1]!);
      const parsed = toInt(raw, ['path', name]);
      if ('issue' in parsed) issues.push(parsed.issue);
      else params[name] = parsed.value;
    });
    if (issues.length > 0) return invalid(issues);
    return hit.r.handler(ctx, req, params);
  } catch (err) {
    if (err instanceof HttpError) return err.reply;
    throw err;
  }
}
