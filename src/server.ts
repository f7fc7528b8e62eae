/**
 * Builds an McpServer from the tool registry, and holds the one error boundary: every failure a
 * tool meets becomes an `isError` result whose text says what to do, with secrets scrubbed.
 */
import {
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  type InputRequiredResult,
  inputRequired,
  inputResponse,
  type McpRequestContext,
  McpServer,
  type Transport,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { ApiError } from './api/errors/index.js';
import { redactMessage } from './api/redact.js';
import { clientRendersApps } from './app/capability.js';
import { registerStoryboardResource, STORYBOARD_APP_URI } from './app/resource.js';
import { appSpendTool } from './app/spend-tool.js';
import { hideAppFromPlainClients } from './app/visibility.js';
import { ProjectBusyError, withProjectLock } from './consent/project-lock.js';
import { errorText } from './error-text.js';
import { redactSecrets } from './log.js';
import type { ServerExtension } from './resources/extension.js';
import type { Runtime, SessionState } from './runtime.js';
import type { ConsentChannel, ToolContext, ToolDef, ToolOutcome } from './tools/define.js';
import { ToolInputError } from './tools/errors.js';
import { withoutNulls } from './tools/json-schema.js';

export { errorText } from './error-text.js';

import { selectTools } from './tools/index.js';

export type { SessionState } from './runtime.js';

export const INSTRUCTIONS =
  'Scene Projects turns a story idea into a multi-scene video. Flow: create_story (free draft) → review the scenes ' +
  'with the person, update_scene to refine → approve_project (quotes the credits; spend only once the person has ' +
  'agreed to the figure) → get_status with wait_seconds until completed → share final_video_url. regenerate_scene ' +
  'also costs credits; upscale is free.';

const CONSENT_KEY = 'consent';

export function consentSchema(credits: number) {
  return z.object({
    confirm: z
      .boolean()
      .meta({ title: `Spend ${credits} credits`, description: `Yes: spend ${credits} credits.` }),
  });
}

type ServerCtx = Parameters<Parameters<McpServer['registerTool']>[2]>[1];

/** Clients say what they can do in `initialize` (2025) or with every request (2026): read whichever applies. */
function canElicitForm(server: McpServer, c: ServerCtx): boolean {
  const caps =
    ((c.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] as
      | { elicitation?: Record<string, unknown> }
      | undefined) ?? server.server.getClientCapabilities();
  const el = caps?.elicitation;
  if (!el) return false;
  return Object.keys(el).length === 0 || 'form' in el;
}

function consentChannel(server: McpServer, c: ServerCtx): ConsentChannel {
  if (!canElicitForm(server, c)) return { kind: 'arguments' };
  const view = inputResponse(c.mcpReq.inputResponses, CONSENT_KEY);
  if (view.kind !== 'elicit') return { kind: 'elicit' };
  const state = c.mcpReq.requestState();
  return {
    kind: 'elicit',
    answer: {
      action: view.action,
      confirmed: view.content?.confirm === true,
      quoteToken: typeof state === 'string' ? state : undefined,
    },
  };
}

export function renderOutcome(outcome: Exclude<ToolOutcome<unknown>, { ask: unknown }>): CallToolResult {
  return {
    content: [
      { type: 'text', text: outcome.text },
      ...(outcome.images ?? []).flatMap((i) => [
        { type: 'text' as const, text: i.label },
        { type: 'image' as const, data: i.data, mimeType: i.mimeType },
      ]),
      ...(outcome.links ?? []).map((l) => ({ type: 'resource_link' as const, ...l })),
    ],
    structuredContent: withoutNulls(outcome.structured as Record<string, unknown>),
    ...(outcome.isError && { isError: true }),
  };
}

/** MCP Apps metadata: which tools open the storyboard, which only the view may call. */
function uiMeta(def: ToolDef): Record<string, unknown> | undefined {
  if (def.appOnly) return { ui: { resourceUri: STORYBOARD_APP_URI, visibility: ['app'] } };
  if (def.view === 'storyboard') return { ui: { resourceUri: STORYBOARD_APP_URI } };
  return undefined;
}

function registerTool(server: McpServer, rt: Runtime, session: SessionState, def: ToolDef) {
  const { logger } = rt;
  const meta = uiMeta(def);
  server.registerTool(
    def.name,
    {
      title: def.title,
      description: def.description,
      inputSchema: def.input,
      outputSchema: def.output,
      annotations: def.annotations,
      ...(meta && { _meta: meta }),
    },
    async (args: unknown, c: ServerCtx): Promise<CallToolResult | InputRequiredResult> => {
      // A client that renders no apps has no view to click in: the app-only tool does not exist for it.
      if (def.appOnly && !clientRendersApps(server, c)) {
        return { content: [{ type: 'text', text: `Tool ${def.name} not found.` }], isError: true };
      }
      const progressToken = c.mcpReq._meta?.progressToken;
      const ctx: ToolContext = {
        api: rt.api,
        defaults: { personId: rt.config.api.personId },
        signal: c.mcpReq.signal,
        consent: def.appOnly ? { kind: 'app' } : consentChannel(server, c),
        signer: rt.signer,
        budget: session.budget,
        follower: rt.follower,
        mediaDir: rt.config.media.dir,
        lockProject: (projectId, fn, what) =>
          withProjectLock(rt.locks, rt.account, projectId, fn, { signal: c.mcpReq.signal, what }),
        async progress(progress, total, message) {
          if (progressToken === undefined) return;
          await c.mcpReq
            .notify({
              method: 'notifications/progress',
              params: { progressToken, progress, ...(total !== undefined && { total }), message },
            })
            .catch(() => {});
        },
        log(level, message, data) {
          (level === 'warning' ? logger.warn : level === 'info' ? logger.info : logger.debug)(message, data);
          c.mcpReq.log(level, { message, ...data }, 'scene-projects').catch(() => {});
        },
      };
      try {
        const outcome = await def.handler(args as never, ctx);
        if ('ask' in outcome) {
          return inputRequired({
            inputRequests: {
              [CONSENT_KEY]: inputRequired.elicit({
                message: outcome.ask.message,
                requestedSchema: consentSchema(outcome.ask.quote.credits),
              }),
            },
            requestState: outcome.ask.quote.quote_token,
          });
        }
        return renderOutcome(outcome);
      } catch (err) {
        const expected =
          err instanceof ApiError || err instanceof ToolInputError || err instanceof ProjectBusyError;
        const level = expected ? 'debug' : 'error';
        logger[level](`${def.name} failed`, {
          error: redactSecrets(err instanceof Error ? err.message : String(err)),
        });
        return { content: [{ type: 'text', text: errorText(err) }], isError: true };
      }
    },
  );
}

/** Extra registration (resources, prompts, subscriptions): see resources/extension.ts. */
/**
 * The last line of redaction: whatever transport the instance is connected to (stdio, a 2025-era
 * session, a 2026-era per-request transport: the SDK connects each through Server.connect), every
 * message it sends has every configured secret replaced. Answers are scrubbed where they enter;
 * this catches what never came from the service, such as a prompt argument echoed back.
 */
function redactOutbound(server: McpServer): void {
  const inner = server.server;
  const connect = inner.connect.bind(inner);
  inner.connect = (transport: Transport) => {
    const send = transport.send.bind(transport);
    transport.send = (message, options) => send(redactMessage(message), options);
    return connect(transport);
  };
}

export type BuildOptions = Partial<ServerExtension>;

export function buildServer(
  rt: Runtime,
  session: SessionState,
  ctx?: McpRequestContext,
  opts: BuildOptions = {},
) {
  const server = new McpServer(
    { name: 'scene-projects-mcp', version: rt.version, title: 'Scene Projects' },
    { capabilities: { logging: {} }, instructions: INSTRUCTIONS },
  );
  redactOutbound(server);
  // Resources are declared after the hook, so their list handler is installed through it.
  hideAppFromPlainClients(server);
  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: false } });
  // Over HTTP the server's disk is not the person's: files are written there only when asked to.
  const localFiles = rt.config.mode !== 'http' || rt.config.media.dir !== undefined;
  for (const def of selectTools({ ...rt.config, localFiles })) registerTool(server, rt, session, def);
  const spend = appSpendTool(rt.config);
  if (spend) registerTool(server, rt, session, spend);
  registerStoryboardResource(server, rt);
  opts.extend?.(server, rt, session, ctx);
  return server;
}

export function newSession(rt: Runtime, id: string, sessionLimit?: number): SessionState {
  return {
    id,
    budget:
      sessionLimit !== undefined
        ? rt.budget.child(sessionLimit, {
            label: 'session credit limit',
            setting: 'TWIN_SESSION_CREDIT_LIMIT / --session-credit-limit',
          })
        : rt.budget,
    subscriptions: new Set(),
  };
}
