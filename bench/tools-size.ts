/**
 * `npm run tools:size`: how much of a model's context the tool definitions take. Reads the real
 * `tools/list` answer from an MCP client connected in memory to the server, and prints characters
 * and estimated tokens (≈ characters / 4) per tool and in total, plus the server instructions.
 * `--json` prints the figures as JSON instead of a table.
 */
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { createRuntime } from '../src/runtime.js';
import { buildServer, INSTRUCTIONS, newSession } from '../src/server.js';

const tokens = (chars: number) => Math.round(chars / 4);

async function main(): Promise<void> {
  const rt = await createRuntime(loadConfig([], { TWIN_LOG_LEVEL: 'silent' }), { logger: silentLogger });
  const server = buildServer(rt, newSession(rt, 'tools-size'));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'tools-size', version: '1.0.0' });
  await client.connect(clientSide);
  const { tools } = await client.listTools();
  await client.close();
  await server.close();
  await rt.close();

  const rows = tools.map((t) => {
    const { inputSchema, outputSchema, ...rest } = t;
    const all = JSON.stringify(t).length;
    return {
      name: t.name,
      chars: all,
      tokens: tokens(all),
      description: t.description?.length ?? 0,
      input_schema: JSON.stringify(inputSchema).length,
      output_schema: outputSchema ? JSON.stringify(outputSchema).length : 0,
      other: JSON.stringify(rest).length - (t.description?.length ?? 0),
    };
  });
  const payload = JSON.stringify({ tools }).length;
  const withoutOutput = JSON.stringify({ tools: tools.map(({ outputSchema: _o, ...t }) => t) }).length;
  const summary = {
    tools: rows.length,
    total_chars: payload,
    total_tokens: tokens(payload),
    without_output_schemas_chars: withoutOutput,
    without_output_schemas_tokens: tokens(withoutOutput),
    instructions_chars: INSTRUCTIONS.length,
    instructions_tokens: tokens(INSTRUCTIONS.length),
  };

  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ rows, summary }, null, 2)}\n`);
    return;
  }
  const pad = (v: string | number, n: number) => String(v).padStart(n);
  const lines = [
    `tools/list as an MCP client receives it (${rows.length} tools; tokens ≈ chars / 4)`,
    '',
    `${'tool'.padEnd(18)}${pad('chars', 7)}${pad('≈tokens', 9)}${pad('descr', 7)}${pad('input', 7)}${pad('output', 8)}${pad('other', 7)}`,
    ...rows.map(
      (r) =>
        `${r.name.padEnd(18)}${pad(r.chars, 7)}${pad(r.tokens, 9)}${pad(r.description, 7)}${pad(r.input_schema, 7)}${pad(r.output_schema, 8)}${pad(r.other, 7)}`,
    ),
    '',
    `total tools/list payload: ${summary.total_chars} chars ≈ ${summary.total_tokens} tokens`,
    `  of which output schemas: ${payload - withoutOutput} chars (hosts that do not show them to the model: ${withoutOutput} chars ≈ ${summary.without_output_schemas_tokens} tokens)`,
    `server instructions (initialize): ${summary.instructions_chars} chars ≈ ${summary.instructions_tokens} tokens`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
