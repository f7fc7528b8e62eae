/** The tool registry: every surface (MCP server, framework adapters, `tools` command, manifest check) reads it. */
import { approveProject } from './approve-project.js';
import { createStory } from './create-story.js';
import type { ToolDef } from './define.js';
import { getProject } from './get-project.js';
import { getStatus } from './get-status.js';
import { listProjects } from './list-projects.js';
import { regenerateScene } from './regenerate-scene.js';
import { saveVideo } from './save-video.js';
import { updateScene } from './update-scene.js';
import { upscale } from './upscale.js';

/** In the order an agent meets them in a session. */
const REGISTRY = [
  createStory,
  listProjects,
  getProject,
  updateScene,
  approveProject,
  getStatus,
  regenerateScene,
  upscale,
  saveVideo,
] as const;

export type ToolName = (typeof REGISTRY)[number]['name'];

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous registry; each definition is typed in its own file.
export const TOOLS: readonly ToolDef<any, any, ToolName>[] = REGISTRY;

/** Every tool's name, and the tools that read-only mode keeps: those annotated readOnlyHint. */
export const TOOL_NAMES: readonly ToolName[] = TOOLS.map((t) => t.name);
export const READ_ONLY_TOOL_NAMES: readonly ToolName[] = TOOLS.filter((t) => t.annotations.readOnlyHint).map(
  (t) => t.name,
);

/**
 * The tools a configuration offers: read-only mode keeps reads only; an allow-list narrows further;
 * `localFiles: false` drops the tools that write files where the server runs (see ToolDef.localFiles).
 */
export function selectTools(cfg: {
  readOnly: boolean;
  tools?: readonly string[];
  localFiles?: boolean;
}): typeof TOOLS {
  return TOOLS.filter(
    (t) =>
      (!cfg.readOnly || t.annotations.readOnlyHint) &&
      (!cfg.tools || cfg.tools.includes(t.name)) &&
      (!t.localFiles || cfg.localFiles !== false),
  );
}

export type { ToolContext, ToolDef } from './define.js';
