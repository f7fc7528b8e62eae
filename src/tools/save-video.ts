import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { Project } from '../api/schemas.js';
import { ProjectId } from '../api/schemas.js';
import { defaultMediaDir, fileStem, givenStem, MediaFolderError } from '../media/folder.js';
import type { SaveItem } from '../media/save.js';
import { defineTool, type ResourceLink } from './define.js';
import { ToolInputError } from './errors.js';

const WHAT = ['final', 'upscaled', 'images'] as const;

const mb = (b: number) =>
  b < 1024 * 1024 ? `${Math.max(1, Math.round(b / 1024))} KB` : `${(b / 1048576).toFixed(1)} MB`;

/** What to download for `what`, named from the project (or the person's name); refused when not there yet. */
function itemsFor(p: Project, what: (typeof WHAT)[number], fileName?: string): SaveItem[] {
  const given = fileName === undefined ? undefined : givenStem(fileName);
  if (given && 'refused' in given) {
    throw new ToolInputError(
      `file_name "${fileName}" ${given.refused}: files go into the media folder only. Nothing was saved.`,
    );
  }
  const stem =
    given?.stem ?? [fileStem(p.description ?? p.story_idea), `project-${p.id}`].filter(Boolean).join('-');
  const notYet = (which: string) =>
    new ToolInputError(
      `Project ${p.id} has no ${which} yet (status ${p.status}). ` +
        (p.status === 'proposed'
          ? 'It must be approved and generated first. Nothing was saved.'
          : 'Call get_status with until "done", then save_video again. Nothing was saved.'),
    );
  if (what === 'images') {
    const scenes = [...(p.scenes ?? [])]
      .filter((s) => typeof s.image_url === 'string' && s.image_url)
      .sort((a, b) => a.scene_number - b.scene_number);
    if (!scenes.length) throw notYet('scene image');
    return scenes.map((s) => ({
      url: s.image_url!,
      stem: `${stem}-scene-${s.scene_number}`,
      ext: '.jpg',
      kind: 'image' as const,
    }));
  }
  const url = what === 'final' ? p.final_video_url : p.final_video_url_upscaled;
  if (!url) throw notYet(what === 'final' ? 'final video' : 'upscaled video (call upscale first)');
  return [{ url, stem: what === 'final' ? stem : `${stem}-upscaled`, ext: '.mp4', kind: 'video' }];
}

export const saveVideo = defineTool({
  name: 'save_video',
  title: 'Save the video to disk',
  description:
    'Download a project’s final video (or the upscaled one, or the scene images) into the person’s media ' +
    'folder. Free. Returns the file path; saving again returns the same file.',
  effect: 'write',
  localFiles: true,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    project_id: ProjectId,
    what: z.enum(WHAT).default('final'),
    file_name: z.string().max(120).optional().describe('A name without folder; default from the project.'),
  }),
  output: z.object({
    project_id: z.int(),
    folder: z.string(),
    files: z.array(z.object({ path: z.string(), bytes: z.int(), already_saved: z.boolean() })),
  }),
  async handler({ project_id, what, file_name }, ctx) {
    const p = await ctx.api.getProject(project_id, { signal: ctx.signal });
    const items = itemsFor(p, what, file_name);
    const folder = ctx.mediaDir ?? defaultMediaDir();
    const { saveMedia } = await import('../media/save.js');
    const results = await saveMedia(folder, items, {
      signal: ctx.signal,
      onProgress: (bytes, total, i) =>
        void ctx.progress(
          total ? Math.round((bytes / total) * 100) : bytes,
          total ? 100 : undefined,
          `${items.length > 1 ? `File ${i + 1} of ${items.length}: ` : ''}${mb(bytes)}${total ? ` of ${mb(total)}` : ''}`,
        ),
    }).catch((err: unknown) => {
      // The folder cannot be written: the person's choice to fix, said plainly, like bad input.
      throw err instanceof MediaFolderError ? new ToolInputError(err.message) : err;
    });
    const saved = results.flatMap((r) => ('saved' in r ? [r.saved] : []));
    const failed = results.flatMap((r) => ('error' in r ? [`${basename(r.item.stem)}: ${r.error}`] : []));
    if (!saved.length) {
      throw new ToolInputError(`Nothing was saved: ${failed.join('; ')}. Try again in a moment.`);
    }
    const links: ResourceLink[] = saved.map((s) => ({
      uri: pathToFileURL(s.path).href,
      name: basename(s.path),
      ...(s.mimeType && { mimeType: s.mimeType }),
    }));
    const lines = saved.map((s) => `${s.existed ? 'Already saved' : 'Saved'}: ${s.path} (${mb(s.bytes)})`);
    if (failed.length) lines.push(`Not saved: ${failed.join('; ')}. Call save_video again to retry.`);
    return {
      structured: {
        project_id,
        folder,
        files: saved.map((s) => ({ path: s.path, bytes: s.bytes, already_saved: s.existed })),
      },
      text: lines.join('\n'),
      links,
    };
  },
});
