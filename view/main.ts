/**
 * The storyboard view: an MCP App inside the host's conversation. It shows the project a tool
 * returned, lets the person edit it while proposed, spend by one click on a button that shows the
 * quoted figure, and follows the generation while it is visible. Every call goes through the host.
 */
import {
  App,
  applyDocumentTheme,
  applyHostFonts,
  applyHostStyleVariables,
  type McpUiHostContext,
} from '@modelcontextprotocol/ext-apps';
import {
  FIELD_LABELS,
  isEditable,
  isMoving,
  mergeStatus,
  type Project,
  type Quote,
  type RegenChoice,
  type Scene,
  type State,
  sceneKey,
} from './model.js';
import { type Actions, render } from './render.js';

const SPEND = 'storyboard_spend';
/** Short waits: the view stops following soon after it is hidden or torn down. */
const WAIT_SECONDS = 8;

const st: State = { drafts: new Map(), saving: new Set(), quoting: false, busy: false };
const root = document.getElementById('root') as HTMLElement;
const app = new App({ name: 'scene-projects-storyboard', version: '1.0.0' }, {});
let tornDown = false;
let following = false;
let quoteRound = 0;
let quoteTimer: ReturnType<typeof setTimeout> | undefined;

const update = () => render(root, st, actions);

type Structured = Record<string, unknown>;

async function call(name: string, args: Record<string, unknown>): Promise<Structured> {
  const r = await app.callServerTool({ name, arguments: args });
  if (r.isError) {
    const text = (r.content ?? [])
      .map((c) => (c.type === 'text' ? c.text : ''))
      .join(' ')
      .trim();
    throw new Error(text || `${name} failed.`);
  }
  return (r.structuredContent ?? {}) as Structured;
}

/** Keeps the conversation in step: the model learns what the person did here. */
function tellModel(text: string): void {
  app.updateModelContext({ content: [{ type: 'text', text }] }).catch(() => {});
}

function notice(text: string, kind: 'info' | 'error' = 'info'): void {
  st.notice = { kind, text };
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function setProject(p: Project): void {
  st.project = p;
  if (isEditable(p)) void requote();
  if (isMoving(p)) void follow();
  update();
}

/** A fresh approval quote: after the project arrives, after every edit, and before the last one expires. */
async function requote(): Promise<void> {
  const p = st.project;
  if (!p || !isEditable(p)) return;
  const round = ++quoteRound;
  clearTimeout(quoteTimer);
  st.approveQuote = undefined;
  st.quoting = true;
  update();
  try {
    const r = await call(SPEND, { action: 'approve_project', project_id: p.id });
    if (round !== quoteRound) return;
    st.approveQuote = r.quote as Quote;
    const ms = Date.parse(st.approveQuote.expires_at) - Date.now() - 30_000;
    if (ms > 0) quoteTimer = setTimeout(() => void requote(), ms);
  } catch (e) {
    if (round === quoteRound) notice(`Could not get the price: ${errText(e)}`, 'error');
  } finally {
    if (round === quoteRound) st.quoting = false;
    update();
  }
}

/** Spends through the app-only tool with the figure the person clicked; starts following on success. */
async function spend(args: Structured, quote: Quote, what: string): Promise<void> {
  const p = st.project;
  if (!p || st.busy) return;
  st.busy = true;
  update();
  try {
    const r = await call(SPEND, {
      ...args,
      project_id: p.id,
      quote_token: quote.quote_token,
      credits: quote.credits,
    });
    if (r.outcome !== 'started') throw new Error(String(r.message ?? 'Nothing was spent.'));
    st.project = { ...p, status: String(r.status ?? 'generating') };
    notice(`${what}: ${r.credits} credits spent.`);
    tellModel(
      `In the storyboard the person clicked “${what} — ${quote.credits} credits” for project ${p.id}. ${String(r.message ?? '')}`,
    );
    void follow();
  } catch (e) {
    notice(errText(e), 'error');
    if (isEditable(p)) void requote();
  } finally {
    st.busy = false;
    update();
  }
}

function visible(): Promise<void> {
  return new Promise((resolve) => {
    const on = () => {
      if (document.hidden) return;
      document.removeEventListener('visibilitychange', on);
      resolve();
    };
    document.addEventListener('visibilitychange', on);
  });
}

/** Follows a generation with short waits while the view is visible; stops when torn down or done. */
async function follow(): Promise<void> {
  if (following) return;
  following = true;
  try {
    while (!tornDown && st.project && isMoving(st.project)) {
      if (document.hidden) {
        await visible();
        continue;
      }
      const id = st.project.id;
      try {
        const r = await call('get_status', { project_id: id, wait_seconds: WAIT_SECONDS });
        if (st.project?.id !== id) return;
        st.project = mergeStatus(st.project, r.status as Project);
        if (r.done) {
          const full = await call('get_project', { project_id: id });
          st.project = full.project as Project;
          notice(
            st.project.status === 'completed'
              ? 'The video is ready.'
              : `The project is ${st.project.status}.`,
          );
        }
      } catch (e) {
        notice(`Lost track of the progress (${errText(e)}); trying again.`, 'error');
        update();
        await new Promise((r) => setTimeout(r, 5000));
      }
      update();
    }
  } finally {
    following = false;
  }
}

const actions: Actions = {
  edit(scene, field, value) {
    const key = sceneKey(scene, field);
    const had = st.drafts.has(key);
    st.drafts.set(key, value);
    if (!had) update();
  },
  async save(scene, field) {
    const p = st.project;
    const key = sceneKey(scene, field);
    const value = st.drafts.get(key);
    if (!p || value === undefined || st.saving.has(key)) return;
    st.saving.add(key);
    update();
    try {
      const r = await call('update_scene', { project_id: p.id, scene_number: scene, [field]: value });
      const saved = r.scene as Scene;
      st.project = {
        ...p,
        scenes: (st.project?.scenes ?? []).map((s) => (s.scene_number === scene ? { ...s, ...saved } : s)),
      };
      if (st.drafts.get(key) === value) st.drafts.delete(key);
      notice(`Saved scene ${scene}’s ${FIELD_LABELS[field].toLowerCase()}.`);
      tellModel(
        `In the storyboard the person changed scene ${scene}’s ${FIELD_LABELS[field].toLowerCase()} of project ${p.id} to: “${value}”.`,
      );
      void requote();
    } catch (e) {
      notice(`Scene ${scene} was not saved: ${errText(e)}`, 'error');
    } finally {
      st.saving.delete(key);
      update();
    }
  },
  generate() {
    const q = st.approveQuote;
    if (!q || st.quoting) return;
    st.approveQuote = undefined; // a quote pays once: the button goes with it
    void spend({ action: 'approve_project' }, q, 'Generate the video');
  },
  async openRegenerate(scene) {
    const p = st.project;
    if (!p) return;
    const choices: RegenChoice[] = [{ imageOnly: false }, { imageOnly: true }];
    st.regen = { scene, choices };
    update();
    await Promise.all(
      choices.map(async (c) => {
        try {
          const r = await call(SPEND, {
            action: 'regenerate_scene',
            project_id: p.id,
            scene_number: scene,
            regenerate_image: true,
            regenerate_video: !c.imageOnly,
          });
          c.quote = r.quote as Quote;
        } catch (e) {
          notice(`Could not price regenerating scene ${scene}: ${errText(e)}`, 'error');
        }
      }),
    );
    update();
  },
  closeRegenerate() {
    st.regen = undefined;
    update();
  },
  regenerate(scene, imageOnly) {
    const c = st.regen?.choices.find((x) => x.imageOnly === imageOnly);
    if (!c?.quote) return;
    st.regen = undefined;
    const what = `${imageOnly ? 'Regenerate the image of' : 'Regenerate'} scene ${scene}`;
    void spend(
      {
        action: 'regenerate_scene',
        scene_number: scene,
        regenerate_image: true,
        regenerate_video: !imageOnly,
      },
      c.quote,
      what,
    );
  },
  async upscale() {
    const p = st.project;
    if (!p || st.busy) return;
    st.busy = true;
    update();
    try {
      const r = await call('upscale', { project_id: p.id });
      st.project = { ...p, status: String(r.status ?? 'upscaling') };
      notice('Upscaling started (free).');
      tellModel(`In the storyboard the person started upscaling project ${p.id} (free).`);
      void follow();
    } catch (e) {
      notice(`Upscaling did not start: ${errText(e)}`, 'error');
    } finally {
      st.busy = false;
      update();
    }
  },
  open(url) {
    app.openLink({ url }).catch(() => window.open(url, '_blank', 'noopener'));
  },
};

function applyContext(ctx: McpUiHostContext | undefined): void {
  if (!ctx) return;
  if (ctx.theme) applyDocumentTheme(ctx.theme);
  if (ctx.styles?.variables) applyHostStyleVariables(ctx.styles.variables);
  if (ctx.styles?.css?.fonts) applyHostFonts(ctx.styles.css.fonts);
}

app.ontoolresult = (r) => {
  const project = (r.structuredContent as Structured | undefined)?.project as Project | undefined;
  if (project && typeof project.id === 'number') setProject(project);
};
app.onhostcontextchanged = (ctx) => applyContext(ctx);
app.onteardown = async () => {
  tornDown = true;
  clearTimeout(quoteTimer);
  return {};
};

update();
app.connect().then(
  () => applyContext(app.getHostContext()),
  (e) => {
    notice(`The storyboard could not reach the host: ${errText(e)}`, 'error');
    update();
  },
);
