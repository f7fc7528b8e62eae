/**
 * Output schemas shared by several tools. Each declares the fields a client relies on, with ids and
 * counts as integers; results stay open, so fields the service adds pass through undeclared. A shape
 * is declared in full once: create_story and update_scene point at get_project's instead of
 * repeating it, since every byte of tools/list is read on every conversation.
 */
import { z } from 'zod';
import type { Project, ProjectStatusResponse, Scene } from '../api/schemas.js';
import { cleanText, titleText } from '../clean-text.js';
import { projectUri } from '../resource-uris.js';

const s = z.string().nullish();
const n = z.number().nullish();

export const SceneOut = z.looseObject({
  id: z.int().nullish(),
  scene_number: z.int(),
  description: s,
  image_prompt: s,
  motion_prompt: s,
  narration_text: s,
  image_url: s,
  video_url: s,
  status: s,
});

export const ProjectOut = z.looseObject({
  id: z.int(),
  status: z.string(),
  description: s,
  progress: n,
  final_video_url: s,
  final_video_url_upscaled: s,
  scenes: z.array(SceneOut).nullish(),
});

/** A project or scene declared in full elsewhere (get_project): its key fields only. */
export const ProjectRef = z
  .looseObject({ id: z.int(), status: z.string() })
  .describe('The project, with its scenes, as get_project returns it.');
export const SceneRef = z
  .looseObject({ id: z.int().nullish(), scene_number: z.int() })
  .describe('The scene, as in get_project.');

export const StatusOut = z.looseObject({
  id: z.int(),
  status: z.string(),
  progress: n,
  current_step: s,
  final_video_url: s,
  final_video_url_upscaled: s,
  credits_used: n,
  scenes: z.array(z.looseObject({ scene_number: z.int(), image_status: s, video_status: s })).nullish(),
});

/** The quote fields the follow-up call needs; the rest (credits, summary, params…) passes through. */
export const QuoteOut = z.object({
  quote_token: z.string(),
  expires_at: z.string(),
});

export const projectLink = (p: { id: number; description?: string | null; story_idea?: string | null }) => ({
  uri: projectUri(p.id),
  name: `project-${p.id}`,
  title: `Scene project ${p.id}${p.description ? `: ${titleText(p.description, 60)}` : ''}`,
  mimeType: 'application/json',
});

/** Upstream or user text as one clean line (see src/clean-text.ts). */
export function oneLine(text: string | null | undefined, max = 120): string {
  return cleanText(text, max);
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
