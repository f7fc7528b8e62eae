/**
 * The URIs of a project's resources, written once: tools link to them, resources serve them, the
 * live layer publishes changes under them. A leaf: imports nothing of ours.
 */
export const projectUri = (id: number): string => `scene-projects://projects/${id}`;
export const storyboardUri = (id: number): string => `scene-projects://projects/${id}/storyboard`;

const URI_RE = /^scene-projects:\/\/projects\/(\d{1,12})(\/storyboard)?$/;

/** `scene-projects://projects/{id}` or `.../{id}/storyboard` → the project id and which view. */
export function parseProjectUri(uri: string): { id: number; view: 'project' | 'storyboard' } | undefined {
  const m = URI_RE.exec(uri);
  if (!m) return undefined;
  const id = Number(m[1]);
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  return { id, view: m[2] ? 'storyboard' : 'project' };
}

/** Both resource URIs of a project: what a change publishes. */
export const projectResourceUris = (id: number): string[] => [projectUri(id), storyboardUri(id)];
