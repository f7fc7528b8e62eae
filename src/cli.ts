#!/usr/bin/env node
/**
 * Entry point: read flags and environment, pick the mode, start it. Heavy modules load only in the
 * mode that needs them, so the stdio server starts fast.
 */
import { shownUrl } from './api/redact.js';
import { type Config, ConfigError, helpText, loadConfig } from './config.js';
import { VERSION } from './runtime.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`scene-projects-mcp: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  switch (config.mode) {
    case 'help':
      process.stdout.write(`${helpText(VERSION)}\n`);
      return;
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return;
    case 'sandbox': {
      const { runSandboxCommand } = await import('./sandbox/cli.js');
      await runSandboxCommand({
        port: config.sandbox.port,
        host: config.http.host,
        tokens: config.sandbox.tokens,
        credits: config.sandbox.credits,
        timeScale: config.sandbox.timeScale,
      });
      return;
    }
    case 'tools': {
      const { printTools } = await import('./surfaces/print-tools.js');
      process.stdout.write(`${printTools(config)}\n`);
      return;
    }
    case 'doctor': {
      const { runDoctor } = await import('./doctor/index.js');
      // exitCode, not exit(): output to a pipe may still be flushing (asynchronous on macOS).
      process.exitCode = await runDoctor(config, (text) => process.stdout.write(text));
      return;
    }
    case 'tenants': {
      const { runTenantsCommand } = await import('./tenants/cli.js');
      const { readSecret } = await import('./tenants/read-secret.js');
      process.exitCode = await runTenantsCommand(config, {
        out: (text) => process.stdout.write(text),
        err: (text) => process.stderr.write(text),
        readSecret,
      });
      return;
    }
    case 'budget': {
      const { runBudgetCommand } = await import('./consent/budget-report.js');
      process.exitCode = await runBudgetCommand(config, (text) => process.stdout.write(text));
      return;
    }
    case 'preview':
      return runPreview(config);
    case 'stdio':
    case 'http':
      return serveMcp(config);
  }
}

/** `preview`: the storyboard app in a host page, until Ctrl+C. */
async function runPreview(config: Config): Promise<void> {
  const { startPreview } = await import('./app/preview.js');
  const preview = await startPreview(config);
  process.stdout.write(
    `Storyboard preview: ${preview.url}\n${preview.live ? `On ${shownUrl(preview.rt.config.api.url)}: clicks on a figure spend real credits.` : 'On the sandbox: no real credits are spent.'} Ctrl+C stops it.\n`,
  );
  const stop = () => void preview.close().finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** The MCP server over stdio or HTTP, until a signal (or, over stdio, the end of stdin). */
async function serveMcp(config: Config): Promise<void> {
  const { createRuntime } = await import('./runtime.js');
  const rt = await createRuntime(config);
  if (!rt.config.api.token && !config.tenants.enabled) {
    rt.logger.warn(
      'TWIN_API_TOKEN is not set: tools will answer how to set it. Run with --sandbox to try without an account.',
    );
  }
  let stop: () => Promise<void>;
  if (config.mode === 'http') {
    const { startHttpServer } = await import('./transports/http.js');
    const http = await startHttpServer(rt);
    stop = () => http.close();
  } else {
    const { serveStdioMode } = await import('./transports/stdio.js');
    const { liveExtension } = await import('./resources/extension.js');
    const handle = serveStdioMode(rt, liveExtension(rt));
    stop = () => handle.close();
    process.stdin.once('end', () => void shutdown('stdin closed'));
  }
  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    rt.logger.info(`shutting down (${why})`);
    // A stuck close must not keep the process alive: exit after 5 s whatever happens.
    setTimeout(() => process.exit(1), 5000).unref();
    try {
      await stop();
      await rt.close();
    } catch (err) {
      rt.logger.warn('shutdown was not clean', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  const code = (err as NodeJS.ErrnoException)?.code;
  const text =
    code === 'EADDRINUSE'
      ? `${(err as Error).message}: the port is taken. Choose another with --port (or MCP_HTTP_PORT), or stop what uses it.`
      : err instanceof Error
        ? err.message
        : String(err);
  process.stderr.write(`scene-projects-mcp: ${text}\n`);
  process.exit(1);
});
