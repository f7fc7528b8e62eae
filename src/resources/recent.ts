/**
 * The recent projects behind `resources/list` and the completion of project ids, cached briefly
 * and shared by every connection of the process: hosts list resources and complete arguments
 * often, and each would otherwise cost an upstream request.
 */
import type { Project } from '../api/schemas.js';
import { perRuntime } from '../per-runtime.js';
import type { Runtime } from '../runtime.js';

export const RECENT_TTL_MS = 5000;
export const RECENT_LIMIT = 25;

export class RecentProjects {
  private cached?: { at: number; projects: Project[] };
  private inflight?: Promise<Project[]>;

  constructor(
    private readonly rt: Pick<Runtime, 'api' | 'config' | 'logger'>,
    private readonly ttlMs = RECENT_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Newest first, at most RECENT_LIMIT; [] when the upstream cannot be read (no token, outage). */
  async get(): Promise<Project[]> {
    if (this.cached && this.now() - this.cached.at < this.ttlMs) return this.cached.projects;
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  /** Project ids (as strings) starting with what was typed. */
  async completeIds(prefix: string): Promise<string[]> {
    const p = (prefix ?? '').trim();
    return (await this.get()).map((x) => String(x.id)).filter((id) => id.startsWith(p));
  }

  private async load(): Promise<Project[]> {
    const personId = this.rt.config.api.personId;
    try {
      const list = await this.rt.api.listProjects(personId !== undefined ? { person_id: personId } : {});
      const projects = [...list]
        .sort(
          (a, b) =>
            (b.updated_at ?? b.created_at ?? '').localeCompare(a.updated_at ?? a.created_at ?? '') ||
            b.id - a.id,
        )
        .slice(0, RECENT_LIMIT);
      this.cached = { at: this.now(), projects };
      return projects;
    } catch (err) {
      this.rt.logger.debug('listing recent projects failed', {
        error: err instanceof Error ? err.message : String(err),
      });
      return this.cached?.projects ?? [];
    }
  }
}

/** One cache per runtime. */
export const recentProjects = perRuntime((rt) => new RecentProjects(rt));
