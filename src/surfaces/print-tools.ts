/** `scene-projects-mcp tools`: the registry's definitions as JSON. */
import { z } from 'zod';
import type { Config } from '../config.js';
import { selectTools } from '../tools/index.js';

export function printTools(cfg: Config): string {
  const tools = selectTools(cfg).map((t) => ({
    name: t.name,
    title: t.title,
    description: t.description,
    annotations: t.annotations,
    input_schema: z.toJSONSchema(t.input, { io: 'input' }),
    output_schema: z.toJSONSchema(t.output, { io: 'output' }),
  }));
  return JSON.stringify(tools, null, 2);
}
