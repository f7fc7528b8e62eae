/** Output schemas and text helpers shared by several tools. Lenient: unknown upstream fields pass through. */
import { z } from 'zod';
import { type Project, type ProjectStatusResponse, Scene } from '../api/schemas.js';

const s = z.string().nullish();
const n = z.number().nullish();

/** A scene as tools return it: the API's scene, without the per-scene status fields of the status endpoint. */
export const SceneOut = Scene.omit({ image_status: true, video_status: true });

export const ProjectOut = z.looseObject({
  id: z.number(),
  status: z.string(),
  description: s,
  story_idea: s,
  progress: n,
  current_step: s,
  person_id: n,
  final_video_url: s,
  final_video_url_upscaled: s,
  total_duration_seconds: n,
  scenes: z.array(SceneOut).nullish(),
});

export const StatusOut = z.looseObject({
  id: z.number(),
  status: z.string(),
  progress: n,
  current_step: s,
  final_video_url: s,
  final_video_url_upscaled: s,
  total_duration_seconds: n,
  credits_used: n,
  scenes: z.array(z.looseObject({ scene_number: z.number(), image_status: s, video_status: s })).nullish(),
});

export const QuoteOut = z.object({
  action: z.enum(['approve_project', 'regenerate_scene']),
  project_id: z.number(),
  scene_number: z.number().optional(),
  credits: z.number(),
  summary: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  quote_token: z.string(),
  expires_at: z.string(),
});

export const projectUri = (id: number): string => `scene-projects://projects/${id}`;
export const storyboardUri = (id: number): string => `scene-projects://projects/${id}/storyboard`;

export const projectLink = (p: { id: number; description?: string | null; story_idea?: string | null }) => ({
  uri: projectUri(p.id),
  name: `project-${p.id}`,
  title: `Scene project ${p.id}${p.description ? `: ${oneLine(p.description, 60)}` : ''}`,
  mimeType: 'application/json',
});

export function oneLine(text: string | null | undefined, max = 120): string {
  const t = (text ?? '').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export function sceneLines(scenes: readonly Scene[] | null | undefined, full: boolean): string[] {
  const lines: string[] = [];
  for (const sc of [...(scenes ?? [])].sort((a, b) => a.scene_number - b.scene_number)) {
    const id = sc.id != null ? ` (id ${sc.id})` : '';
    const st = sc.status ? ` [${sc.status}]` : '';
    lines.push(`Scene ${sc.scene_number}${id}${st}: ${oneLine(sc.description, 200)}`);
    if (full) {
      if (sc.image_prompt) lines.push(`  image: ${oneLine(sc.image_prompt, 300)}`);
      if (sc.motion_prompt) lines.push(`  motion: ${oneLine(sc.motion_prompt, 200)}`);
      if (sc.narration_text) lines.push(`  narration: ${oneLine(sc.narration_text, 300)}`);
    }
    if (sc.video_url) lines.push(`  video: ${sc.video_url}`);
  }
  return lines;
}

export function statusLine(
  p: Pick<ProjectStatusResponse, 'id' | 'status' | 'progress' | 'current_step'>,
): string {
  const pct = p.progress != null ? ` ${Math.round(p.progress)}%` : '';
  const step = p.current_step ? ` (${p.current_step.replace(/_/g, ' ')})` : '';
  return `Project ${p.id}: ${p.status}${pct}${step}`;
}

/** What an agent should do next, given a project's status. Unknown statuses get a safe default. */
export function nextStep(
  p: Pick<Project, 'id' | 'status'> & { final_video_url_upscaled?: string | null },
): string {
  switch (p.status) {
    case 'draft':
    case 'creating':
      return `Scenes are still being drafted: call get_status with project_id ${p.id} and wait_seconds 30.`;
    case 'proposed':
      return 'Review the scenes with the person; change any with update_scene; when they are happy, call approve_project (it quotes the credits first).';
    case 'generating':
    case 'upscaling':
      return `Generation takes minutes: call get_status with project_id ${p.id}, wait_seconds 50 and until "done" (or subscribe to ${projectUri(p.id)}) until it completes.`;
    case 'completed':
      return p.final_video_url_upscaled
        ? 'Share final_video_url_upscaled (and final_video_url) with the person. Offer regenerate_scene for a scene they dislike (costs credits).'
        : 'Share final_video_url with the person. Offer regenerate_scene for a scene they dislike (costs credits) or upscale (free).';
    case 'failed':
      return 'Tell the person it failed and why; regenerate_scene can retry a failed scene (costs credits).';
    default:
      return `Status "${p.status}" is new to this server: call get_status with project_id ${p.id} to follow it.`;
  }
}
