import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI, for tests that start the server as a host would. Missing is a failure, never a skip. */
export function builtCli(): string {
  const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
  if (!existsSync(cli)) {
    throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does it for you).`);
  }
  return cli;
}
