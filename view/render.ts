/** Builds the storyboard's DOM from the state. No network here: every action is a callback. */
import {
  type EditableField,
  FIELD_LABELS,
  failureText,
  isEditable,
  isFinished,
  isMoving,
  type Project,
  type Scene,
  type State,
  sceneKey,
  sortedScenes,
  stepText,
  title,
} from './model.js';

export interface Actions {
  edit(scene: number, field: EditableField, value: string): void;
  save(scene: number, field: EditableField): void;
  generate(): void;
  openRegenerate(scene: number): void;
  closeRegenerate(): void;
  regenerate(scene: number, imageOnly: boolean): void;
  upscale(): void;
  open(url: string): void;
}

type Child = Node | string | false | null | undefined;

function h(
  tag: string,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c) el.append(c);
  return el;
}

function button(
  label: string,
  onClick: () => void,
  attrs: Record<string, string | boolean | undefined> = {},
) {
  const b = h('button', { type: 'button', ...attrs }, label);
  b.addEventListener('click', onClick);
  return b;
}

function chip(label: string, value: string | null | undefined): Child {
  return value ? h('span', { class: `chip ${value}` }, `${label}: ${value.replace(/_/g, ' ')}`) : null;
}

function picture(s: Scene): HTMLElement {
  if (s.image_url) return h('img', { src: s.image_url, alt: `Scene ${s.scene_number}`, loading: 'lazy' });
  return h(
    'div',
    { class: 'placeholder', role: 'img', 'aria-label': 'No image yet' },
    'Image appears once generated',
  );
}

function field(st: State, s: Scene, f: EditableField, a: Actions, editable: boolean): HTMLElement {
  const key = sceneKey(s.scene_number, f);
  const saved = s[f] ?? '';
  if (!editable) return h('p', { class: `field ${f}` }, h('strong', {}, `${FIELD_LABELS[f]}: `), saved);
  const id = `f-${s.scene_number}-${f}`;
  const area = h('textarea', {
    id,
    rows: f === 'description' ? '3' : '2',
    'data-field': f,
  }) as HTMLTextAreaElement;
  area.value = st.drafts.get(key) ?? saved;
  area.addEventListener('input', () => a.edit(s.scene_number, f, area.value));
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) a.save(s.scene_number, f);
  });
  const dirty = st.drafts.has(key) && st.drafts.get(key) !== saved;
  const saving = st.saving.has(key);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, FIELD_LABELS[f]),
    area,
    (dirty || saving) &&
      button(saving ? 'Saving…' : 'Save', () => a.save(s.scene_number, f), {
        class: 'small',
        disabled: saving,
        'data-save': key,
      }),
  );
}

function regenerateControls(st: State, p: Project, s: Scene, a: Actions): Child {
  if (!isFinished(p)) return null;
  const open = st.regen?.scene === s.scene_number ? st.regen : undefined;
  if (!open)
    return button('Regenerate…', () => a.openRegenerate(s.scene_number), {
      class: 'small',
      disabled: st.busy,
    });
  const choices = open.choices.map((c) => {
    const what = c.imageOnly ? 'Image only' : 'Regenerate';
    const label = c.quote ? `${what} — ${c.quote.credits} credits` : `${what} — getting the price…`;
    return button(label, () => a.regenerate(s.scene_number, c.imageOnly), {
      class: c.imageOnly ? 'small' : 'small primary',
      disabled: !c.quote || st.busy,
      'data-regenerate': c.imageOnly ? 'image' : 'scene',
    });
  });
  return h(
    'div',
    { class: 'row' },
    ...choices,
    button('Cancel', () => a.closeRegenerate(), { class: 'small link' }),
  );
}

function sceneCard(st: State, p: Project, s: Scene, a: Actions): HTMLElement {
  const editable = isEditable(p);
  return h(
    'li',
    { class: 'card', 'data-scene': String(s.scene_number) },
    picture(s),
    h(
      'div',
      { class: 'body' },
      h(
        'h3',
        {},
        `Scene ${s.scene_number}`,
        ' ',
        chip('image', s.image_status),
        chip('video', s.video_status),
      ),
      field(st, s, 'description', a, editable),
      field(st, s, 'narration_text', a, editable),
      h(
        'details',
        {},
        h('summary', {}, 'Prompts'),
        field(st, s, 'image_prompt', a, editable),
        field(st, s, 'motion_prompt', a, editable),
      ),
      regenerateControls(st, p, s, a),
    ),
  );
}

function player(label: string, url: string, a: Actions): HTMLElement {
  return h(
    'figure',
    { class: 'player' },
    h('video', { src: url, controls: true, preload: 'metadata', playsinline: true }),
    h(
      'figcaption',
      {},
      `${label} `,
      button('Open', () => a.open(url), { class: 'small link' }),
      h('a', { href: url, download: '', target: '_blank', rel: 'noopener', class: 'small' }, 'Download'),
    ),
  );
}

function actions(st: State, p: Project, a: Actions): Child {
  if (isEditable(p)) {
    const q = st.approveQuote;
    const label = q ? `Generate the video — ${q.credits} credits` : 'Generate the video — getting the price…';
    return h(
      'div',
      { class: 'actions' },
      button(label, () => a.generate(), {
        class: 'primary',
        id: 'generate',
        disabled: !q || st.busy || st.quoting,
      }),
      h(
        'p',
        { class: 'muted' },
        'Clicking spends exactly the figure on the button. Edits before that are free.',
      ),
    );
  }
  if (p.status !== 'completed') return null;
  const out = h('div', { class: 'actions' });
  if (p.final_video_url) out.append(player('Final video', p.final_video_url, a));
  if (p.final_video_url_upscaled) out.append(player('Upscaled video', p.final_video_url_upscaled, a));
  else out.append(button('Upscale (free)', () => a.upscale(), { id: 'upscale', disabled: st.busy }));
  return out;
}

function progress(p: Project): Child {
  if (!isMoving(p)) return null;
  const pct = Math.max(0, Math.min(100, Math.round(p.progress ?? 0)));
  return h(
    'div',
    { class: 'progress', role: 'status' },
    h('progress', { max: '100', value: String(pct), 'aria-label': 'Progress' }),
    h('span', {}, `${pct}%${p.current_step ? ` — ${stepText(p.current_step)}` : ''}`),
  );
}

export function render(root: HTMLElement, st: State, a: Actions): void {
  const p = st.project;
  const focused = document.activeElement?.id;
  const caret =
    document.activeElement instanceof HTMLTextAreaElement ? document.activeElement.selectionStart : null;
  // A playing video must not restart when the rest of the view changes.
  const videos = new Map([...root.querySelectorAll('video')].map((v) => [v.getAttribute('src'), v]));
  root.replaceChildren();
  if (!p) {
    root.append(h('p', { class: 'muted' }, 'Waiting for a project…'));
    return;
  }
  const failure = failureText(p);
  root.append(
    h('header', {}, h('h2', {}, title(p)), h('span', { class: `badge ${p.status}`, id: 'status' }, p.status)),
    progress(p) || '',
    failure ? h('p', { class: 'error', role: 'alert' }, failure) : '',
    st.notice
      ? h('p', { class: st.notice.kind === 'error' ? 'error' : 'notice', role: 'status' }, st.notice.text)
      : '',
    h('ol', { class: 'scenes' }, ...sortedScenes(p).map((s) => sceneCard(st, p, s, a))),
    actions(st, p, a) || '',
  );
  for (const v of root.querySelectorAll('video')) {
    const kept = videos.get(v.getAttribute('src'));
    if (kept) v.replaceWith(kept);
  }
  const again = focused ? document.getElementById(focused) : null;
  if (again) {
    again.focus();
    if (again instanceof HTMLTextAreaElement && caret !== null) again.setSelectionRange(caret, caret);
  }
}
