/**
 * The seam between tools and the live-project machinery (the shared watcher): tools ask it to
 * wait for a meaningful change instead of polling upstream themselves.
 */
import type { ProjectStatusResponse } from '../api/schemas.js';

export interface WaitOptions {
  /** The snapshot the caller already has; a change is measured against it. */
  since?: ProjectStatusResponse;
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * Called with each fresh snapshot while waiting (for progress notifications), and again with the
   * latest one whenever no fresh one came for a heartbeat (under 10 s), so hosts that reset their
   * timeout on progress keep the call alive.
   */
  onSnapshot?: (snapshot: ProjectStatusResponse) => void;
}

export interface WaitResult {
  snapshot: ProjectStatusResponse;
  changed: boolean;
  /** The caller's signal ended the wait. */
  aborted?: boolean;
}

export interface ProjectFollower {
  waitForChange(projectId: number, opts: WaitOptions): Promise<WaitResult>;
  /** Tells the watcher that something we did (approve, regenerate, upscale) changed the project. */
  touched(projectId: number): void;
  /** The newest snapshot the watcher holds for a followed project, and its age. */
  latest?(projectId: number): { snapshot: ProjectStatusResponse; ageMs: number } | undefined;
}
