/**
 * The preview command's host page: a minimal MCP Apps host. An MCP client (announcing the UI
 * extension) talks to the server at /mcp on this origin; the page's buttons make the model's tool
 * calls; a tool whose definition names a UI resource opens it in a sandboxed iframe under the CSP
 * the resource asks for, joined by ext-apps' AppBridge. Calls from the view are checked against
 * the tool's visibility, as a host must.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { AppBridge, PostMessageTransport } from '@modelcontextprotocol/ext-apps/app-bridge';

const UI_EXTENSION = 'io.modelcontextprotocol/ui';
const APP_MIME = 'text/html;profile=mcp-app';

interface UiMeta {
  resourceUri?: string;
  visibility?: string[];
}
interface Csp {
  resourceDomains?: string[];
  connectDomains?: string[];
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const log = $('log');
const viewBox = $('view');
const client = new Client(
  { name: 'scene-projects-preview', version: '1.0.0' },
  { capabilities: { extensions: { [UI_EXTENSION]: { mimeTypes: [APP_MIME] } } } },
);
const tools = new Map<string, UiMeta>();
let bridge: AppBridge | undefined;

function note(kind: string, text: string): void {
  const li = document.createElement('li');
  li.dataset.kind = kind;
  const k = document.createElement('span');
  k.className = 'kind';
  k.textContent = `${kind}: `;
  li.append(k, text);
  log.prepend(li);
}

const textOf = (r: { content?: Array<{ type: string; text?: string }> }) =>
  (r.content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('\n');

/** The view's CSP: nothing but its own inline code, plus media from the origins it declared. */
function withCsp(html: string, csp: Csp | undefined): string {
  const media = (csp?.resourceDomains ?? []).join(' ');
  const connect = (csp?.connectDomains ?? []).join(' ') || "'none'";
  const policy = `default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob: ${media}; media-src blob: ${media}; font-src data: ${media}; connect-src ${connect}`;
  return html.replace(/<head>/i, `<head><meta http-equiv="Content-Security-Policy" content="${policy}">`);
}

function theme(): 'light' | 'dark' {
  return ($('theme') as HTMLSelectElement).value === 'dark' ? 'dark' : 'light';
}

async function mountView(uri: string, args: Record<string, unknown>, result: unknown): Promise<void> {
  const read = await client.readResource({ uri });
  const content = read.contents[0] as { text?: string; _meta?: { ui?: { csp?: Csp } } } | undefined;
  if (!content?.text) throw new Error(`${uri} has no HTML`);
  if (bridge) await bridge.teardownResource({}).catch(() => {});
  const iframe = document.createElement('iframe');
  iframe.title = 'Storyboard';
  iframe.setAttribute('sandbox', 'allow-scripts allow-forms allow-popups');
  viewBox.replaceChildren(iframe);
  const b = new AppBridge(
    null,
    { name: 'scene-projects-preview', version: '1.0.0' },
    { openLinks: {}, serverTools: {}, logging: {}, updateModelContext: { text: {} }, message: { text: {} } },
    { hostContext: { theme: theme(), displayMode: 'inline', platform: 'web', locale: navigator.language } },
  );
  b.oncalltool = async (params) => {
    const visibility = tools.get(params.name)?.visibility ?? ['model', 'app'];
    if (!visibility.includes('app')) throw new Error(`The view may not call ${params.name}.`);
    note('view calls', `${params.name} ${JSON.stringify(params.arguments ?? {})}`);
    return (await client.callTool(params)) as never;
  };
  b.onupdatemodelcontext = async (p) => {
    note('model context', textOf(p as never));
    return {};
  };
  b.onmessage = async (p) => {
    note('message', textOf(p as never));
    return {};
  };
  b.onopenlink = async ({ url }) => {
    note('open link', url);
    window.open(url, '_blank', 'noopener');
    return {};
  };
  b.onsizechange = ({ height }) => {
    if (height) iframe.style.height = `${Math.ceil(height) + 4}px`;
  };
  b.oninitialized = () => {
    void b.sendToolInput({ arguments: args });
    void b.sendToolResult(result as never);
  };
  bridge = b;
  await b.connect(new PostMessageTransport(iframe.contentWindow!, iframe.contentWindow!));
  iframe.srcdoc = withCsp(content.text, content._meta?.ui?.csp);
}

/** A tool call as the assistant would make it; a tool with a UI resource opens the view. */
async function callAsModel(name: string, args: Record<string, unknown>) {
  const meta = tools.get(name);
  if (meta && !(meta.visibility ?? ['model']).includes('model'))
    throw new Error(`${name} is not for the model.`);
  note('assistant calls', `${name} ${JSON.stringify(args)}`);
  const result = await client.callTool({ name, arguments: args });
  note('result', textOf(result as never).split('\n')[0] ?? '');
  if (meta?.resourceUri && !result.isError) await mountView(meta.resourceUri, args, result);
  return result;
}

async function guarded(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    note('error', e instanceof Error ? e.message : String(e));
  }
}

$('create').addEventListener('click', () =>
  guarded(async () => {
    const r = await callAsModel('create_story', {
      story_idea: ($('idea') as HTMLTextAreaElement).value,
      num_scenes: Number(($('scenes') as HTMLInputElement).value) || 3,
    });
    const id = (r.structuredContent as { project?: { id?: number } } | undefined)?.project?.id;
    if (id) ($('pid') as HTMLInputElement).value = String(id);
  }),
);
$('open').addEventListener('click', () =>
  guarded(() => callAsModel('get_project', { project_id: Number(($('pid') as HTMLInputElement).value) })),
);
$('theme').addEventListener('change', () => void bridge?.sendHostContextChange({ theme: theme() }));

const ready = (async () => {
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', location.href)));
  for (const t of (await client.listTools()).tools) tools.set(t.name, (t._meta?.ui ?? {}) as UiMeta);
  note('connected', `${tools.size} tools (${[...tools.keys()].join(', ')})`);
})();
ready.catch((e) => note('error', `Could not connect to the server: ${e instanceof Error ? e.message : e}`));

/** For the browser tests and the curious: the page's client and its model-side calls. */
Object.assign(window, { previewHost: { ready, client, callAsModel, tools } });
