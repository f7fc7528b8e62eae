/**
 * The storyboard's spend: the person's click on a button that shows the quoted figure. Only the
 * view may call this tool (`_meta.ui.visibility: ["app"]`), and it is listed only to clients that
 * render MCP Apps. It adds no way around the spend gate: it runs approve_project or
 * regenerate_scene through the same gate on the `app` consent channel, so the quote is sealed to
 * that channel, bound to the scenes' content and the figure, expires, pays once, and counts
 * against the credit limits.
 */
import { z } from 'zod';
import { ProjectId, SceneNumber } from '../api/schemas.js';
import type { Config } from '../config.js';
import { approveProject } from '../tools/approve-project.js';
import { defineTool, type ToolDef } from '../tools/define.js';
import { ToolInputError } from '../tools/errors.js';
import { selectTools } from '../tools/index.js';
import { regenerateScene } from '../tools/regenerate-scene.js';
import { SpendOutput } from '../tools/spend-shared.js';

export const STORYBOARD_SPEND = 'storyboard_spend';

const Input = z.object({
  action: z.enum(['approve_project', 'regenerate_scene']),
  project_id: ProjectId,
  scene_number: SceneNumber.optional(),
  regenerate_image: z.boolean().optional(),
  regenerate_video: z.boolean().optional(),
  quote_token: z.string().max(8192).optional(),
  credits: z.number().int().min(0).optional().describe('The figure on the button the person clicked.'),
});

function build(allowed: ReadonlySet<string>) {
  return defineTool({
    name: STORYBOARD_SPEND,
    title: 'Spend from the storyboard',
    description:
      'Storyboard view only. Without quote_token: a quote. With it: spends the figure the person clicked.',
    effect: 'spend',
    appOnly: true,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    input: Input,
    output: SpendOutput,
    async handler(args, ctx) {
      const { action, project_id, quote_token, credits } = args;
      if (!allowed.has(action)) {
        throw new ToolInputError(
          `${action} is not offered by this server (read-only mode or --tools). Nothing was spent.`,
        );
      }
      // The click is the consent: the figure its button showed is the most the person agreed to.
      const spend = quote_token ? { quote_token, confirm_credits: true, max_credits: credits } : {};
      if (action === 'approve_project') return approveProject.handler({ project_id, ...spend }, ctx);
      if (args.scene_number === undefined)
        throw new ToolInputError('scene_number is required to regenerate.');
      return regenerateScene.handler(
        {
          project_id,
          scene_number: args.scene_number,
          regenerate_image: args.regenerate_image ?? true,
          regenerate_video: args.regenerate_video ?? true,
          ...spend,
        },
        ctx,
      );
    },
  });
}

const byConfig = new WeakMap<object, ToolDef | undefined>();

/** The app's spend tool where the configuration offers a spending tool (not read-only, allow-list), else none. */
export function appSpendTool(cfg: Pick<Config, 'readOnly' | 'tools'>): ToolDef | undefined {
  if (!byConfig.has(cfg)) {
    const allowed = new Set(
      selectTools(cfg)
        .map((t) => t.name)
        .filter((n) => n === approveProject.name || n === regenerateScene.name),
    );
    byConfig.set(cfg, allowed.size ? (build(allowed) as unknown as ToolDef) : undefined);
  }
  return byConfig.get(cfg);
}
