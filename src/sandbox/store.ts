/**
 * Projects and their status machine. State is settled lazily from the clock on every read, so the
 * sandbox needs no timers and a hand-driven clock moves it exactly as real time would.
 *
 *   creating ─▶ proposed ─approve─▶ generating ─▶ completed ─upscale─▶ upscaling ─▶ completed
 *                                        │            ▲   └─regenerate─▶ generating ─┘
 *                                        └──▶ failed ─┘ (regenerate)
 */
import { approveCost, regenerateCost, SCENE_SECONDS } from '../api/pricing.js';
import { fail } from './http.js';
import type {
  CreateInput,
  IdSequence,
  LiveState,
  ProjectState,
  RegenerateInput,
  ScenePatch,
  SceneState,
  StoreOptions,
} from './project-state.js';
import { proposeScenes } from './proposals.js';
import {
  failureMessage,
  type Job,
  planRender,
  planUpscale,
  type Segment,
  type SegmentKind,
  type Snapshot,
  STEP_NAMES,
  snapshot,
  type Task,
} from './timeline.js';

const SCENE_FIELDS = ['description', 'image_prompt', 'motion_prompt', 'narration_text'] as const;
/** Overlay keys that describe the status machine; a real change of state supersedes them. */
const MACHINE_KEYS = ['status', 'progress', 'current_step', 'error'];

export class ProjectStore {
  private readonly projects = new Map<number, ProjectState>();
  private readonly ids: IdSequence;

  constructor(private readonly opts: StoreOptions) {
    this.ids = opts.ids ?? { project: 1, scene: 1 };
  }

  now(): number {
    return this.opts.clock();
  }

  personExists(personId: number): boolean {
    return this.opts.personIds.includes(personId);
  }

  create(input: CreateInput): ProjectState {
    if (!this.personExists(input.personId)) fail(404, `Person ${input.personId} not found`);
    const now = this.now();
    const proposals = proposeScenes(input.storyIdea, input.numScenes, {
      first: input.useAvatarFirst,
      last: input.useAvatarLast,
    });
    const project: ProjectState = {
      id: this.ids.project++,
      personId: input.personId,
      userId: 1,
      storyIdea: input.storyIdea,
      numScenes: input.numScenes,
      useAvatarFirst: input.useAvatarFirst,
      useAvatarLast: input.useAvatarLast,
      createdAt: now,
      proposedAt: now + this.realMs(this.opts.creatingSeconds),
      updatedAt: now,
      phase: this.opts.creatingSeconds > 0 ? 'creating' : 'proposed',
      failNext: false,
      progress: 0,
      scenes: proposals.map((p, i) => ({
        id: this.ids.scene++,
        sceneNumber: i + 1,
        description: p.description,
        image_prompt: p.image_prompt,
        motion_prompt: p.motion_prompt,
        narration_text: p.narration_text,
        avatar: p.avatar,
        image: { status: 'pending', version: 0 },
        video: { status: 'pending', version: 0 },
      })),
      finalVersion: 0,
      upscaledVersion: 0,
      creditsUsed: 0,
      overlay: {},
    };
    this.projects.set(project.id, project);
    return project;
  }

  /** The project, settled to the current moment; 404 when unknown. */
  get(projectId: number): ProjectState {
    const project = this.projects.get(projectId);
    if (!project) return fail(404, `Project ${projectId} not found`);
    this.settle(project);
    return project;
  }

  find(projectId: number): ProjectState | undefined {
    const project = this.projects.get(projectId);
    if (project) this.settle(project);
    return project;
  }

  list(): ProjectState[] {
    return [...this.projects.values()].map((p) => {
      this.settle(p);
      return p;
    });
  }

  findScene(sceneId: number): { project: ProjectState; scene: SceneState } | undefined {
    for (const project of this.projects.values()) {
      const scene = project.scenes.find((s) => s.id === sceneId);
      if (scene) {
        this.settle(project);
        return { project, scene };
      }
    }
    return undefined;
  }

  liveScene(sceneId: number): { scene: SceneState; image: number; video: number } | undefined {
    const found = this.findScene(sceneId);
    if (!found) return undefined;
    const live = this.live(found.project);
    return {
      scene: found.scene,
      image: live.media(found.scene, 'image').version,
      video: live.media(found.scene, 'video').version,
    };
  }

  /** Status as answered, patched statuses included: what state checks and filters see. */
  statusOf(project: ProjectState): string {
    const patched = project.overlay.status;
    return typeof patched === 'string' ? patched : this.live(project).status;
  }

  live(project: ProjectState): LiveState {
    // Settling first: the clock may have crossed the job's end since the project was fetched.
    this.settle(project);
    const job = project.job;
    if (!job) {
      return {
        status: project.phase,
        progress: project.phase === 'completed' ? 100 : project.progress,
        updatedAt: project.updatedAt,
        media: (scene, kind) => scene[kind],
      };
    }
    const snap = this.snapshotOf(job);
    const segmentFor = (scene: SceneState, kind: SegmentKind): Segment | undefined =>
      job.segments.find((s) => s.kind === kind && s.sceneNumber === scene.sceneNumber);
    return {
      status: job.kind === 'upscale' ? 'upscaling' : 'generating',
      progress: snap.progress,
      currentStep: snap.current ? STEP_NAMES[snap.current.kind] : undefined,
      updatedAt: Math.max(project.updatedAt, this.clockAt(job, snap.lastEvent)),
      media: (scene, kind) => {
        const segment = segmentFor(scene, kind);
        if (!segment) return scene[kind];
        const state = snap.stateOf(segment);
        const stored = scene[kind];
        return state === 'completed'
          ? { status: 'completed', version: stored.version + 1 }
          : { ...stored, status: state };
      },
    };
  }

  updateScene(projectId: number, sceneId: number, patch: ScenePatch): SceneState {
    const project = this.get(projectId);
    const scene = this.visibleScenes(project).find((s) => s.id === sceneId);
    if (!scene) return fail(404, `Scene ${sceneId} not found in project ${projectId}`);
    const status = this.statusOf(project);
    if (status !== 'draft' && status !== 'proposed') {
      fail(400, `Scenes can only be edited before approval; project ${projectId} is ${status}`);
    }
    for (const key of SCENE_FIELDS) {
      const value = patch[key];
      if (value !== undefined) scene[key] = value;
    }
    this.touch(project);
    return scene;
  }

  approve(
    projectId: number,
    body: { confirmCredits?: boolean; videoModel?: string; imageModel?: string },
  ): ProjectState {
    const project = this.get(projectId);
    const cost = approveCost(project.numScenes);
    if (body.confirmCredits !== true) {
      fail(400, `confirm_credits must be true: approving reserves ${cost} credits`);
    }
    const status = this.statusOf(project);
    if (status !== 'proposed' && status !== 'draft') {
      fail(400, `Project ${projectId} is not in proposed state (status: ${status})`);
    }
    this.requireCredits(cost);
    this.opts.ledger.charge({ project_id: projectId, kind: 'approve', credits: cost });
    project.creditsUsed += cost;
    project.videoModel = body.videoModel ?? 'kling-2.6-pro';
    project.imageModel = body.imageModel ?? 'flux-pro';
    const tasks = project.scenes.map((s) => ({ sceneNumber: s.sceneNumber, image: true, video: true }));
    this.startJob(project, 'generate', planRender(tasks));
    return project;
  }

  regenerate(
    projectId: number,
    sceneNumber: number,
    input: RegenerateInput,
  ): { project: ProjectState; cost: number } {
    const project = this.get(projectId);
    const scene = this.visibleScenes(project).find((s) => s.sceneNumber === sceneNumber);
    if (!scene) return fail(404, `Scene ${sceneNumber} not found in project ${projectId}`);
    if (!input.regenerateImage && !input.regenerateVideo) {
      fail(400, 'Nothing to regenerate: regenerate_image and regenerate_video are both false');
    }
    const status = this.statusOf(project);
    if (status !== 'completed' && status !== 'failed') {
      fail(
        400,
        `Project ${projectId} is ${status}: scenes can only be regenerated when the project is completed or failed`,
      );
    }
    const cost = regenerateCost({
      regenerate_image: input.regenerateImage,
      regenerate_video: input.regenerateVideo,
    });
    this.requireCredits(cost);
    this.opts.ledger.charge({
      project_id: projectId,
      kind: 'regenerate',
      credits: cost,
      scene_number: sceneNumber,
    });
    project.creditsUsed += cost;
    if (input.updatedImagePrompt !== undefined) scene.image_prompt = input.updatedImagePrompt;
    if (input.updatedMotionPrompt !== undefined) scene.motion_prompt = input.updatedMotionPrompt;
    // After a failed generation, whatever never finished is rendered again alongside the requested scene.
    const tasks: Task[] = project.scenes
      .map((s) => {
        const target = s === scene;
        return {
          sceneNumber: s.sceneNumber,
          image: (target && input.regenerateImage) || s.image.status !== 'completed',
          video: (target && input.regenerateVideo) || s.video.status !== 'completed',
        };
      })
      .filter((t) => t.image || t.video);
    // The upscaled cut no longer matches the scenes: it goes until upscaled again.
    project.upscaledVersion = 0;
    this.startJob(project, 'regenerate', planRender(tasks), sceneNumber);
    return { project, cost };
  }

  upscale(projectId: number): ProjectState {
    const project = this.get(projectId);
    const status = this.statusOf(project);
    if (status !== 'completed') {
      fail(400, `Project ${projectId} is ${status}: only a completed video can be upscaled`);
    }
    this.opts.ledger.charge({ project_id: projectId, kind: 'upscale', credits: 0 });
    this.startJob(project, 'upscale', planUpscale());
    return project;
  }

  /** The current generation fails at this moment; with none running, the next one fails halfway. */
  failProject(projectId: number): void {
    const project = this.get(projectId);
    const job = project.job;
    if (job && job.kind !== 'upscale') {
      job.failAt = this.elapsed(job);
      this.settle(project);
    } else {
      project.failNext = true;
    }
  }

  patch(projectId: number, fields: Record<string, unknown>): void {
    const project = this.get(projectId);
    Object.assign(project.overlay, fields);
    this.touch(project);
  }

  /** Scenes exist from creation but are not shown while the story is still `creating`. */
  visibleScenes(project: ProjectState): SceneState[] {
    return project.phase === 'creating' ? [] : project.scenes;
  }

  totalSeconds(project: ProjectState): number {
    return project.numScenes * SCENE_SECONDS;
  }

  private requireCredits(cost: number): void {
    const ledger = this.opts.ledger;
    if (!ledger.canAfford(cost)) {
      fail(403, `Insufficient credits: ${cost} required, ${ledger.available()} available`);
    }
  }

  private startJob(
    project: ProjectState,
    kind: Job['kind'],
    segments: Segment[],
    sceneNumber?: number,
  ): void {
    const job: Job = { kind, startedAt: this.now(), segments, sceneNumber };
    if (project.failNext && kind !== 'upscale') {
      project.failNext = false;
      job.failAt = segments[segments.length - 1]!.end / 2;
    }
    project.job = job;
    project.phase = 'generating';
    project.error = undefined;
    project.progress = 0;
    for (const key of MACHINE_KEYS) delete project.overlay[key];
    this.touch(project);
  }

  /** updated_at moves on every change, even two within the same clock millisecond. */
  private touch(project: ProjectState): void {
    project.updatedAt = Math.max(this.now(), project.updatedAt + 1);
  }

  private settle(project: ProjectState): void {
    if (project.phase === 'creating' && this.now() >= project.proposedAt) {
      project.phase = 'proposed';
      project.updatedAt = Math.max(project.updatedAt, project.proposedAt);
    }
    const job = project.job;
    if (!job) return;
    const snap = this.snapshotOf(job);
    if (!snap.done) return;
    this.commit(project, job, snap);
  }

  private commit(project: ProjectState, job: Job, snap: Snapshot): void {
    for (const segment of job.segments) {
      const state = snap.stateOf(segment);
      if (segment.kind === 'stitch') {
        if (state === 'completed') project.finalVersion += 1;
        continue;
      }
      if (segment.kind === 'upscale') {
        if (state === 'completed') project.upscaledVersion = project.finalVersion;
        continue;
      }
      const scene = project.scenes.find((s) => s.sceneNumber === segment.sceneNumber);
      if (!scene) continue;
      const media = scene[segment.kind];
      if (state === 'completed') {
        media.version += 1;
        media.status = 'completed';
      } else if (state === 'failed') {
        media.status = 'failed';
      }
    }
    project.job = undefined;
    project.updatedAt = Math.max(project.updatedAt, this.clockAt(job, snap.lastEvent));
    if (snap.failed) {
      project.phase = 'failed';
      project.progress = snap.progress;
      project.error = failureMessage(snap.failed);
    } else {
      project.phase = 'completed';
      project.progress = 100;
    }
  }

  private snapshotOf(job: Job): Snapshot {
    return snapshot(job, this.elapsed(job));
  }

  /** Simulated seconds since the job started. */
  private elapsed(job: Job): number {
    return ((this.now() - job.startedAt) * this.opts.timeScale) / 1000;
  }

  private clockAt(job: Job, simulatedSeconds: number): number {
    return Math.round(job.startedAt + this.realMs(simulatedSeconds));
  }

  private realMs(simulatedSeconds: number): number {
    return (simulatedSeconds * 1000) / this.opts.timeScale;
  }
}
