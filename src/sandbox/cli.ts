/** `scene-projects-mcp sandbox`: runs the sandbox in the foreground until SIGINT/SIGTERM. */
import { DEFAULT_SANDBOX_PORT, type Sandbox } from './contract.js';
import { startSandbox } from './index.js';

export interface SandboxCommandOptions {
  port?: number;
  host?: string;
  token?: string;
  credits?: number;
  timeScale?: number;
}

export async function runSandboxCommand(opts: SandboxCommandOptions): Promise<Sandbox> {
  const sandbox = await startSandbox({
    port: opts.port ?? DEFAULT_SANDBOX_PORT,
    host: opts.host,
    token: opts.token,
    credits: opts.credits,
    timeScale: opts.timeScale,
  });
  // stdout on purpose: this is the command's output, read by a person or a script.
  process.stdout.write(
    `Scene Projects sandbox at ${sandbox.url}\n` +
      `token: ${sandbox.token}\n` +
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
