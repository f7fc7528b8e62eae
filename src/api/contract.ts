/**
 * The upstream client's contract. Tools, resources and the watcher depend on this interface only,
 * so tests can hand them the real client against the sandbox and nothing else.
 */
import type {
  ApproveRequest,
  ApproveResponse,
  CreateStoryRequest,
  CreateStoryResponse,
  ListProjectsQuery,
  Project,
  ProjectStatusResponse,
  RegenerateRequest,
  RegenerateResponse,
  Scene,
  SceneUpdateRequest,
  UpscaleResponse,
} from './schemas.js';

export interface CallOptions {
  signal?: AbortSignal;
}

/** Outcome of a spending POST; `reconciled` is set when the answer was lost and we read the project to learn it. */
export type SpendOutcome<T> = T & { reconciled?: { spent: boolean; evidence: string } };

export interface SceneProjectsApi {
  createStory(body: CreateStoryRequest, opts?: CallOptions): Promise<CreateStoryResponse>;
  listProjects(query?: ListProjectsQuery, opts?: CallOptions): Promise<Project[]>;
  getProject(projectId: number, opts?: CallOptions): Promise<Project>;
  updateScene(
    projectId: number,
    sceneId: number,
    patch: SceneUpdateRequest,
    opts?: CallOptions,
  ): Promise<Scene>;
  approveProject(
    projectId: number,
    body: ApproveRequest,
    opts?: CallOptions,
  ): Promise<SpendOutcome<ApproveResponse>>;
  getStatus(projectId: number, opts?: CallOptions): Promise<ProjectStatusResponse>;
  regenerateScene(
    projectId: number,
    sceneNumber: number,
    body: RegenerateRequest,
    opts?: CallOptions,
  ): Promise<SpendOutcome<RegenerateResponse>>;
  upscale(projectId: number, opts?: CallOptions): Promise<UpscaleResponse>;
}

export type ApiErrorKind =
  | 'validation' // 400/422 with field messages
  | 'unauthorized' // 401
  | 'insufficient_credits' // 403
  | 'not_found' // 404
  | 'wrong_state' // 400 on approve/update/upscale/regenerate at the wrong time
  | 'rate_limited' // 429
  | 'unavailable' // 5xx, network, timeout
  | 'spend_unknown' // a spending POST whose outcome could not be learned even by reading back
  | 'not_configured'; // no API token set
