/**
 * Wire schemas for the Scene Projects API.
 *
 * What we send is strict: bad input fails here, before any request, with field messages.
 * What we read is lenient (`z.looseObject`, open strings for statuses and steps): the real
 * service may add fields or states at any time, and an unknown one must pass through, not crash us.
 * Every answer passes `normaliseAnswer` first (numeric strings, fractional progress, zone-less
 * times); a `scenes` array that is missing stays missing: unknown, never "no scenes".
 */
import { z } from 'zod';
import { normaliseAnswer } from './lenient.js';

export const KNOWN_PROJECT_STATUSES = [
  'draft',
  'creating',
  'proposed',
  'generating',
  'completed',
  'failed',
  'upscaling',
] as const;
export type KnownProjectStatus = (typeof KNOWN_PROJECT_STATUSES)[number];
/** A known status, or any string the service may add later. */
export type ProjectStatus = KnownProjectStatus | (string & {});

export const KNOWN_MEDIA_STATUSES = ['pending', 'generating', 'completed', 'failed'] as const;
export type MediaStatus = (typeof KNOWN_MEDIA_STATUSES)[number] | (string & {});

export const KNOWN_STEPS = [
  'generating_scene_images',
  'generating_scene_videos',
  'stitching_final_video',
] as const;

/** Statuses after which nothing changes without a new request from us. */
export const TERMINAL_STATUSES: readonly string[] = ['completed', 'failed'];
export const isTerminalStatus = (s: string | undefined | null): boolean =>
  !!s && TERMINAL_STATUSES.includes(s);

export const DEFAULT_VIDEO_MODEL = 'kling-2.6-pro';
export const DEFAULT_IMAGE_MODEL = 'flux-pro';

// ---------- what we send (strict) ----------

/** Upstream ids are 32-bit integers; the bound keeps the advertised JSON Schema short and exact. */
const id = (what: string) =>
  z
    .number({
      error: (iss) => (iss.input === undefined ? `${what} is required` : `${what} must be a number`),
    })
    .int(`${what} must be a whole number`)
    .min(1, `${what} must be a positive integer`)
    .max(2_147_483_647, `${what} is too large`);

export const ProjectId = id('project_id');
export const SceneId = id('scene_id');
export const SceneNumber = z
  .number({
    error: (iss) => (iss.input === undefined ? 'scene_number is required' : 'scene_number must be a number'),
  })
  .int('scene_number must be a whole number')
  .min(1, 'scene_number starts at 1')
  .max(10, 'a project has at most 10 scenes');
export const PersonId = id('person_id');

export const StoryIdea = z
  .string()
  .trim()
  .min(10, 'story_idea must be at least 10 characters: describe the story in a sentence or two')
  .max(1000, 'story_idea must be at most 1000 characters: shorten it');

export const NumScenes = z
  .number()
  .int()
  .min(2, 'num_scenes must be 2–10')
  .max(10, 'num_scenes must be 2–10');

export const CreateStoryRequest = z.strictObject({
  person_id: PersonId,
  story_idea: StoryIdea,
  num_scenes: NumScenes.optional(),
  use_avatar_first_scene: z.boolean().optional(),
  use_avatar_last_scene: z.boolean().optional(),
});
export type CreateStoryRequest = z.infer<typeof CreateStoryRequest>;

export const promptText = (field: string) =>
  z
    .string()
    .trim()
    .min(1, `${field} must not be empty`)
    .max(4000, `${field} must be at most 4000 characters`);

export const SceneUpdateRequest = z
  .strictObject({
    description: promptText('description').optional(),
    image_prompt: promptText('image_prompt').optional(),
    motion_prompt: promptText('motion_prompt').optional(),
    narration_text: promptText('narration_text').optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), {
    message: 'give at least one of description, image_prompt, motion_prompt, narration_text',
  });
export type SceneUpdateRequest = z.infer<typeof SceneUpdateRequest>;

export const ModelName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:/-]+$/, 'model names are letters, digits and . _ : / -');

export const ApproveRequest = z.strictObject({
  confirm_credits: z.literal(true),
  video_model: ModelName.optional(),
  image_model: ModelName.optional(),
});
export type ApproveRequest = z.infer<typeof ApproveRequest>;

export const RegenerateRequest = z
  .strictObject({
    regenerate_image: z.boolean().optional(),
    regenerate_video: z.boolean().optional(),
    updated_image_prompt: promptText('updated_image_prompt').optional(),
    updated_motion_prompt: promptText('updated_motion_prompt').optional(),
  })
  .refine((v) => v.regenerate_image !== false || v.regenerate_video !== false, {
    message: 'regenerate_image and regenerate_video are both false: nothing to regenerate',
  });
export type RegenerateRequest = z.infer<typeof RegenerateRequest>;

export const ListProjectsQuery = z.strictObject({
  person_id: PersonId.optional(),
  status_filter: z.string().trim().min(1).max(40).optional(),
});
export type ListProjectsQuery = z.infer<typeof ListProjectsQuery>;

// ---------- what we read (lenient) ----------

const str = z.string().nullish();
const num = z.number().nullish();
const bool = z.boolean().nullish();

export const Scene = z.looseObject({
  id: num,
  scene_number: z.number(),
  description: str,
  image_prompt: str,
  motion_prompt: str,
  narration_text: str,
  image_url: str,
  video_url: str,
  status: str,
  image_status: str,
  video_status: str,
});
export type Scene = z.infer<typeof Scene>;

const ProjectFields = z.looseObject({
  id: z.number(),
  status: z.string(),
  description: str,
  ideas: str,
  story_idea: str,
  num_scenes: num,
  progress: num,
  current_step: str,
  person_id: num,
  user_id: num,
  final_video_url: str,
  final_video_url_upscaled: str,
  total_duration_seconds: num,
  credits_used: num,
  use_avatar_first_scene: bool,
  use_avatar_last_scene: bool,
  error: z.unknown().optional(),
  scenes: z.array(Scene).nullish(),
  created_at: str,
  updated_at: str,
});
export const Project = z.preprocess(normaliseAnswer, ProjectFields);
export type Project = z.infer<typeof Project>;

/** A scene answered on its own (e.g. by an edit). */
export const SceneAnswer = z.preprocess(normaliseAnswer, Scene);

/** `POST /stories/create` answers a project, possibly still `creating` with no scenes yet. */
export const CreateStoryResponse = Project;
export type CreateStoryResponse = Project;

export const StatusScene = z.looseObject({
  scene_number: z.number(),
  image_status: str,
  video_status: str,
  image_url: str,
  video_url: str,
  status: str,
});
export type StatusScene = z.infer<typeof StatusScene>;

const StatusFields = z.looseObject({
  id: z.number(),
  status: z.string(),
  progress: num,
  current_step: str,
  scenes: z.array(StatusScene).nullish(),
  final_video_url: str,
  final_video_url_upscaled: str,
  total_duration_seconds: num,
  credits_used: num,
  error: z.unknown().optional(),
});
export const ProjectStatusResponse = z.preprocess(normaliseAnswer, StatusFields);
export type ProjectStatusResponse = z.infer<typeof ProjectStatusResponse>;

const ActionFields = z.looseObject({
  id: num,
  status: z.string(),
  progress: num,
  message: str,
  scene_number: num,
  credits_charged: num,
});
export const ActionResponse = z.preprocess(normaliseAnswer, ActionFields);
export type ActionResponse = z.infer<typeof ActionResponse>;
export const ApproveResponse = ActionResponse;
export type ApproveResponse = ActionResponse;
export const RegenerateResponse = ActionResponse;
export type RegenerateResponse = ActionResponse;
export const UpscaleResponse = ActionResponse;
export type UpscaleResponse = ActionResponse;

/** `GET /scene-projects` answers an array; a wrapped array (`items`, `projects`, `data`) is accepted too. */
export const ProjectList = z
  .union([
    z.array(Project),
    z.looseObject({ items: z.array(Project) }).transform((o) => o.items),
    z.looseObject({ projects: z.array(Project) }).transform((o) => o.projects),
    z.looseObject({ data: z.array(Project) }).transform((o) => o.data),
  ])
  .pipe(z.array(ProjectFields));

/** FastAPI-style error body: `detail` is a string or a list of `{loc, msg, type}`. */
export const ErrorBody = z.looseObject({
  detail: z
    .union([
      z.string(),
      z.array(z.looseObject({ loc: z.array(z.union([z.string(), z.number()])).optional(), msg: z.string() })),
      z.looseObject({}),
    ])
    .optional(),
  message: z.string().optional(),
  error: z.unknown().optional(),
});
