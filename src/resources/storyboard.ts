/**
 * The views of a project that resources serve: JSON for agents (project, scenes and live status
 * merged) and a Markdown storyboard a person can read (scenes, prompts, narration, status, links).
 */
import { isTerminalStatus, type Project, type ProjectStatusResponse } from '../api/schemas.js';
import { progressMessage } from '../live/change.js';
import { projectUri, storyboardUri } from '../resource-uris.js';
import { nextStep } from '../tools/shapes.js';

export type ProjectView = Project & { storyboard_uri: string; next_step: string };

/** The project with the live status folded in: status fields win, per-scene media states join their scene. */
export function projectView(project: Project, status?: ProjectStatusResponse): ProjectView {
  const merged: Record<string, unknown> = { ...project };
  if (status) {
    for (const k of [
      'status',
      'progress',
      'current_step',
      'final_video_url',
      'final_video_url_upscaled',
      'total_duration_seconds',
      'credits_used',
      'error',
    ] as const) {
      if (status[k] !== undefined && status[k] !== null) merged[k] = status[k];
    }
    if (status.status !== 'generating' && status.status !== 'upscaling' && !status.current_step) {
      delete merged.current_step;
    }
    const byNumber = new Map((status.scenes ?? []).map((s) => [s.scene_number, s]));
    if (project.scenes) {
      merged.scenes = project.scenes.map((sc) => {
        const st = byNumber.get(sc.scene_number);
        if (!st) return sc;
        const out: Record<string, unknown> = { ...sc };
        for (const k of ['image_status', 'video_status', 'image_url', 'video_url'] as const) {
          if (st[k] != null) out[k] = st[k];
        }
        return out;
      });
    }
  }
  const view = merged as Project;
  return { ...view, storyboard_uri: storyboardUri(project.id), next_step: nextStep(view) };
}

/**
 * Text from the project (ideas, prompts, narration, errors) as text: on one line, and with every
 * character Markdown or HTML would act on escaped, so `# * | [ ] \`` or a tag never format the page.
 */
const esc = (t: string): string =>
  t
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .trim()
    .replace(/[\\`*_[\]<>|#~&]/g, '\\$&')
    .replace(/^(\d+)([.)])/, '$1\\$2')
    .replace(/^([-+=])/, '\\$1');
/** Our own link; the URL in angle brackets, with what would end it early percent-encoded. */
const link = (label: string, url: string | null | undefined) =>
  url ? `[${label}](<${url.replace(/[<>\s]/g, encodeURIComponent)}>)` : undefined;

export function storyboardMarkdown(p: ProjectView, at: Date = new Date()): string {
  const title = esc(p.description || p.story_idea || p.ideas || `Project ${p.id}`);
  const lines: string[] = [`# Storyboard — project ${p.id}: ${title}`, ''];
  const live =
    p.status === 'generating' || p.status === 'upscaling'
      ? ` — ${esc(progressMessage(p as unknown as ProjectStatusResponse))}`
      : '';
  lines.push(`**Status:** ${esc(p.status)}${live}`);
  const idea = p.story_idea ?? p.ideas;
  if (idea) lines.push(`**Story idea:** ${esc(idea)}`);
  if (p.final_video_url) lines.push(`**Final video:** ${link('watch', p.final_video_url)}`);
  if (p.final_video_url_upscaled)
    lines.push(`**Upscaled video:** ${link('watch', p.final_video_url_upscaled)}`);
  if (p.total_duration_seconds != null) lines.push(`**Duration:** ${p.total_duration_seconds} s`);
  if (p.credits_used != null) lines.push(`**Credits used:** ${p.credits_used}`);
  if (p.error)
    lines.push(`**Error:** ${esc(typeof p.error === 'string' ? p.error : JSON.stringify(p.error))}`);
  const scenes = [...(p.scenes ?? [])].sort((a, b) => a.scene_number - b.scene_number);
  lines.push('', `## Scenes (${scenes.length})`);
  if (!scenes.length) lines.push('', '_No scenes yet: the story is still being drafted._');
  for (const sc of scenes) {
    const state = [
      sc.status,
      sc.image_status ? `image ${sc.image_status}` : undefined,
      sc.video_status ? `video ${sc.video_status}` : undefined,
    ]
      .filter(Boolean)
      .map((t) => esc(t!))
      .join(', ');
    lines.push('', `### Scene ${sc.scene_number}${state ? ` — ${state}` : ''}`);
    if (sc.description) lines.push('', esc(sc.description));
    lines.push('');
    if (sc.image_prompt) lines.push(`- **Image prompt:** ${esc(sc.image_prompt)}`);
    if (sc.motion_prompt) lines.push(`- **Motion:** ${esc(sc.motion_prompt)}`);
    if (sc.narration_text) lines.push(`- **Narration:** “${esc(sc.narration_text)}”`);
    const media = [link('image', sc.image_url), link('video', sc.video_url)].filter(Boolean);
    if (media.length) lines.push(`- **Media:** ${media.join(' · ')}`);
    if (sc.id != null) lines.push(`- scene id ${sc.id}`);
  }
  lines.push(
    '',
    '---',
    `_As of ${at.toISOString()}. Next: ${p.next_step}_`,
    '',
    `_JSON: ${projectUri(p.id)} · subscribe to it (or to this storyboard) to be told when it changes._`,
  );
  if (!isTerminalStatus(p.status) && p.status !== 'proposed' && p.status !== 'draft') {
    lines.push('', '_Still in progress: this page changes as the generation moves on._');
  }
  return `${lines.join('\n')}\n`;
}
