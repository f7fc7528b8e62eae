/**
 * Settling spends whose outcome was unknown (a lost answer the client could not reconcile, or a
 * process that died mid-spend). Until settled they count against the limit. Every later reading of
 * the project settles them, whether a tool read it or the watcher polled it:
 * - the work began (the operation's own judge sees it) → spent;
 * - the project sits in its resting state, unchanged since just before the spend, in a full reading
 *   taken long enough after the spend that the request can no longer land → released.
 * Anything else stays unknown, shown by `scene-projects-mcp budget`.
 */
import type { SceneProjectsApi } from '../api/contract.js';
import type { OpContext } from '../api/errors/index.js';
import type { Project } from '../api/schemas.js';
import { approveEvidence, regenerateEvidence } from '../api/spend-evidence.js';
import type { SpendRecord, StateStore } from '../store/types.js';

/** A spend request that has not shown its effect in this long will not any more. */
export const SETTLE_GRACE_MS = 10 * 60 * 1000;

/** What a spend record keeps of the project as it was just before the spend: the judges' markers. */
export function projectMark(p: Project, sceneNumber?: number): Record<string, unknown> {
  const scene = sceneNumber === undefined ? undefined : p.scenes?.find((s) => s.scene_number === sceneNumber);
  return {
    id: p.id,
    status: p.status,
    updated_at: p.updated_at ?? null,
    credits_used: p.credits_used ?? null,
    final_video_url: p.final_video_url ?? null,
    final_video_url_upscaled: p.final_video_url_upscaled ?? null,
    ...(scene && {
      scenes: [
        {
          scene_number: scene.scene_number,
          status: scene.status ?? null,
          image_status: scene.image_status ?? null,
          video_status: scene.video_status ?? null,
          image_url: scene.image_url ?? null,
          video_url: scene.video_url ?? null,
        },
      ],
    }),
  };
}

type Reading = Pick<Project, 'id' | 'status'> & Partial<Project>;

function verdict(r: SpendRecord, reading: Reading): boolean | undefined {
  const before = r.before as Project | undefined;
  const after = reading as Project;
  if (r.action === 'approve_project') return approveEvidence(after, before).spent;
  if (r.action === 'regenerate_scene') {
    const ctx: OpContext = {
      op: 'regenerate',
      method: 'POST',
      path: `/projects/${r.project_id}/regenerate`,
      projectId: r.project_id,
      sceneNumber: r.scene_number,
    };
    return regenerateEvidence(after, before, ctx).spent;
  }
  return undefined;
}

export interface SettlerOptions {
  clock?: () => number;
  log?: (message: string, data: Record<string, unknown>) => void;
}

export class SpendSettler {
  readonly #clock: () => number;
  constructor(
    readonly store: StateStore,
    readonly account: string,
    readonly opts: SettlerOptions = {},
  ) {
    this.#clock = opts.clock ?? Date.now;
  }

  /**
   * Settles what this reading of a project proves. `full`: a whole project (get_project), which alone
   * can prove "unchanged". Never throws: a store that is down leaves the spends unknown, still counted.
   */
  async fromReading(reading: Reading, full: boolean): Promise<void> {
    try {
      const { open } = await this.store.usage(this.account, 'lifetime');
      for (const r of open) {
        if (r.state !== 'unknown' || r.project_id !== reading.id) continue;
        const spent = verdict(r, reading);
        const late = this.#clock() - r.at >= SETTLE_GRACE_MS;
        const outcome = spent === true ? 'spent' : spent === false && full && late ? 'released' : undefined;
        if (outcome && (await this.store.settle(this.account, r.id, outcome)))
          this.opts.log?.(`an unsettled spend is settled: ${outcome}`, {
            project_id: r.project_id,
            action: r.action,
            credits: r.credits,
          });
      }
    } catch {
      // Unknown spends stay counted; the next reading tries again.
    }
  }
}

/** The API with every project reading passed to the settler on its way back (reads never wait for it). */
export function settlingApi(api: SceneProjectsApi, settler: SpendSettler): SceneProjectsApi {
  const getProject: SceneProjectsApi['getProject'] = async (id, opts) => {
    const p = await api.getProject(id, opts);
    void settler.fromReading(p, true);
    return p;
  };
  const getStatus: SceneProjectsApi['getStatus'] = async (id, opts) => {
    const s = await api.getStatus(id, opts);
    if (typeof s.status === 'string') void settler.fromReading({ ...s, id }, false);
    return s;
  };
  // A proxy, so the client's other members (and its private fields, through bound methods) stay as they are.
  return new Proxy(api, {
    get(target, key) {
      if (key === 'getProject') return getProject;
      if (key === 'getStatus') return getStatus;
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
