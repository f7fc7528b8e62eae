/** What the view knows about a project, as the server's tools return it (unknown fields pass through). */
export interface Scene {
  id?: number | null;
  scene_number: number;
  description?: string | null;
  image_prompt?: string | null;
  motion_prompt?: string | null;
  narration_text?: string | null;
  image_url?: string | null;
  video_url?: string | null;
  status?: string | null;
  image_status?: string | null;
  video_status?: string | null;
}

export interface Project {
  id: number;
  status: string;
  description?: string | null;
  story_idea?: string | null;
  progress?: number | null;
  current_step?: string | null;
  final_video_url?: string | null;
  final_video_url_upscaled?: string | null;
  error?: unknown;
  scenes?: Scene[] | null;
}

export interface Quote {
  credits: number;
  quote_token: string;
  expires_at: string;
}

export type EditableField = 'description' | 'narration_text' | 'image_prompt' | 'motion_prompt';
export const FIELD_LABELS: Record<EditableField, string> = {
  description: 'Description',
  narration_text: 'Narration',
  image_prompt: 'Image prompt',
  motion_prompt: 'Motion prompt',
};

/** One regenerate choice offered for a scene, with its quote once fetched. */
export interface RegenChoice {
  imageOnly: boolean;
  quote?: Quote;
}

export interface State {
  project?: Project;
  /** Unsaved text per `scene_number:field`. */
  drafts: Map<string, string>;
  saving: Set<string>;
  approveQuote?: Quote;
  quoting: boolean;
  /** A spend or upscale call is in flight: every such button is disabled. */
  busy: boolean;
  /** Scene number whose regenerate choices are open, with their quotes. */
  regen?: { scene: number; choices: RegenChoice[] };
  notice?: { kind: 'info' | 'error'; text: string };
}

export const MOVING = new Set(['creating', 'generating', 'upscaling', 'processing', 'pending', 'queued']);
export const isMoving = (p: Project): boolean => MOVING.has(p.status);
export const isEditable = (p: Project): boolean => p.status === 'proposed' || p.status === 'draft';
export const isFinished = (p: Project): boolean => p.status === 'completed' || p.status === 'failed';

export const sceneKey = (scene: number, field: EditableField): string => `${scene}:${field}`;

export function sortedScenes(p: Project): Scene[] {
  return [...(p.scenes ?? [])].sort((a, b) => a.scene_number - b.scene_number);
}

export const title = (p: Project): string =>
  (p.description || p.story_idea || `Project ${p.id}`).replace(/\s+/g, ' ').trim();

export const stepText = (step: string | null | undefined): string => (step ? step.replace(/_/g, ' ') : '');

/** Merges a status snapshot (get_status) into the project: status, progress, per-scene states and URLs. */
export function mergeStatus(p: Project, s: Partial<Project> & { scenes?: Scene[] | null }): Project {
  const byNumber = new Map((s.scenes ?? []).map((x) => [x.scene_number, x]));
  const scenes = (p.scenes ?? []).map((sc) => {
    const upd = byNumber.get(sc.scene_number);
    if (!upd) return sc;
    const out: Scene = { ...sc };
    for (const [k, v] of Object.entries(upd))
      if (v !== undefined && v !== null) (out as unknown as Record<string, unknown>)[k] = v;
    return out;
  });
  const { scenes: _s, ...rest } = s;
  const merged: Project = { ...p, scenes };
  for (const [k, v] of Object.entries(rest))
    if (v !== undefined) (merged as unknown as Record<string, unknown>)[k] = v;
  return merged;
}

/** What went wrong, in words a person can act on; undefined when nothing failed. */
export function failureText(p: Project): string | undefined {
  const failedScenes = sortedScenes(p)
    .filter((s) => [s.status, s.image_status, s.video_status].some((x) => x === 'failed'))
    .map((s) => s.scene_number);
  if (p.status !== 'failed' && !failedScenes.length) return undefined;
  const where = failedScenes.length
    ? ` Scene${failedScenes.length > 1 ? 's' : ''} ${failedScenes.join(', ')} failed.`
    : '';
  const why = typeof p.error === 'string' ? ` ${p.error}` : '';
  return `The generation failed${p.current_step ? ` at “${stepText(p.current_step)}”` : ''}.${why}${where} Regenerate a failed scene below (credits are quoted on the button), or ask the assistant what to change.`;
}
