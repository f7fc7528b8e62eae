/** The tool registry: every surface (MCP server, framework adapters, `tools` command, manifest check) reads it. */
import type { Config } from '../config.js';
import { approveProject } from './approve-project.js';
import { createStory } from './create-story.js';
import type { ToolDef } from './define.js';
import { getProject } from './get-project.js';
import { getStatus } from './get-status.js';
import { listProjects } from './list-projects.js';
import { regenerateScene } from './regenerate-scene.js';
import { updateScene } from './update-scene.js';
import { upscale } from './upscale.js';

/** In the order an agent meets them in a session. */
// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous registry; each definition is typed in its own file.
export const TOOLS: readonly ToolDef<any, any>[] = [
  createStory,
  listProjects,
  getProject,
  updateScene,
  approveProject,
  getStatus,
  regenerateScene,
  upscale,
];

/** The tools this configuration offers: read-only mode keeps reads only; an allow-list narrows further. */
export function selectTools(cfg: Pick<Config, 'readOnly' | 'tools'>): typeof TOOLS {
  return TOOLS.filter(
    (t) => (!cfg.readOnly || t.effect === 'read') && (!cfg.tools || cfg.tools.includes(t.name as never)),
  );
}

export type { ToolContext, ToolDef } from './define.js';
