/** `scene-projects-mcp sandbox`: runs the sandbox in the foreground until SIGINT/SIGTERM. */
import { DEFAULT_SANDBOX_PORT, type Sandbox } from './contract.js';
import { startSandbox } from './index.js';

export interface SandboxCommandOptions {
  port?: number;
  host?: string;
  /** One account per token (unset: one account with a random token). */
  tokens?: string[];
  credits?: number;
  timeScale?: number;
}

export async function runSandboxCommand(opts: SandboxCommandOptions): Promise<Sandbox> {
  const sandbox = await startSandbox({
    port: opts.port ?? DEFAULT_SANDBOX_PORT,
    host: opts.host,
    credits: opts.credits,
    timeScale: opts.timeScale,
    ...(opts.tokens?.length ? { accounts: opts.tokens.map((token) => ({ token })) } : {}),
  });
  // stdout on purpose: this is the command's output, read by a person or a script.
  const accounts = sandbox.accounts.length;
  process.stdout.write(
    `Scene Projects sandbox at ${sandbox.url}${accounts > 1 ? ` (${accounts} accounts, each with its own projects and credits)` : ''}\n` +
      sandbox.accounts.map((a) => `token: ${a.token}\n`).join('') +
      `try: curl -H "Authorization: Bearer ${sandbox.token}" ${sandbox.url}/scene-projects\n`,
  );
  const stop = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    void sandbox.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const close = sandbox.close;
  return {
    ...sandbox,
    close: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      return close();
    },
  };
}
