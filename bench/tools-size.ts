/**
 * `npm run tools:size`: how much of a model's context the tool definitions take (see tools-size-lib.ts
 * for the two figures and their goals), per tool and in total, plus the server instructions.
 * `--json` prints the figures as JSON instead of a table.
 */
import { INSTRUCTIONS } from '../src/server.js';
import { figures, listAllTools, modelChars, TOKEN_GOALS, tokens } from './tools-size-lib.js';

async function main(): Promise<void> {
  const tools = await listAllTools();
  const rows = tools.map((t) => {
    const { inputSchema, outputSchema } = t;
    const all = JSON.stringify(t).length;
    return {
      name: t.name,
      chars: all,
      tokens: tokens(all),
      model: modelChars(t),
      description: t.description?.length ?? 0,
      input_schema: JSON.stringify(inputSchema).length,
      output_schema: outputSchema ? JSON.stringify(outputSchema).length : 0,
    };
  });
  const summary = {
    ...figures(tools),
    goals: TOKEN_GOALS,
    instructions_chars: INSTRUCTIONS.length,
    instructions_tokens: tokens(INSTRUCTIONS.length),
  };

  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ rows, summary }, null, 2)}\n`);
    return;
  }
  const pad = (v: string | number, n: number) => String(v).padStart(n);
  const mark = (v: number, goal: number) => `${v <= goal ? '≤' : '>'} goal ${goal} ${v <= goal ? '✓' : '✗'}`;
  const lines = [
    `tools/list as an MCP client receives it (${rows.length} tools; tokens ≈ chars / 4)`,
    '',
    `${'tool'.padEnd(18)}${pad('chars', 7)}${pad('≈tokens', 9)}${pad('model', 7)}${pad('descr', 7)}${pad('input', 7)}${pad('output', 8)}`,
    ...rows.map(
      (r) =>
        `${r.name.padEnd(18)}${pad(r.chars, 7)}${pad(r.tokens, 9)}${pad(r.model, 7)}${pad(r.description, 7)}${pad(r.input_schema, 7)}${pad(r.output_schema, 8)}`,
    ),
    '',
    `given to the model (name, description, input schema): ${summary.modelChars} chars ≈ ${summary.modelTokens} tokens (${mark(summary.modelTokens, TOKEN_GOALS.model)})`,
    `whole tools/list payload (output schemas, metadata): ${summary.payloadChars} chars ≈ ${summary.payloadTokens} tokens (${mark(summary.payloadTokens, TOKEN_GOALS.payload)})`,
    `server instructions (initialize): ${summary.instructions_chars} chars ≈ ${summary.instructions_tokens} tokens`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
