/**
 * The sandbox's records: a project, its scenes and their media as the store keeps them, and the
 * inputs of the store's operations. The store (store.ts) runs the status machine over them.
 */
import type { CreditLedger } from './ledger.js';
import type { Job } from './timeline.js';

export type MediaStatus = 'pending' | 'generating' | 'completed' | 'failed';

export interface MediaState {
  status: MediaStatus;
  /** Bumped each time the medium is (re)generated; part of its URL so caches never serve a stale file. */
  version: number;
}

export interface SceneState {
  id: number;
  sceneNumber: number;
  description: string;
  image_prompt: string;
  motion_prompt: string;
  narration_text: string;
  avatar: boolean;
  image: MediaState;
  video: MediaState;
}

export interface ProjectState {
  id: number;
  personId: number;
  userId: number;
  storyIdea: string;
  numScenes: number;
  useAvatarFirst: boolean;
  useAvatarLast: boolean;
  createdAt: number;
  proposedAt: number;
  updatedAt: number;
  phase: 'creating' | 'proposed' | 'generating' | 'completed' | 'failed';
  job?: Job;
  failNext: boolean;
  error?: string;
  progress: number;
  scenes: SceneState[];
  finalVersion: number;
  upscaledVersion: number;
  creditsUsed: number;
  videoModel?: string;
  imageModel?: string;
  /** Fields merged in by patchProject; they win over computed ones in every answer. */
  overlay: Record<string, unknown>;
}

/** What a project looks like right now, with any running job evaluated at the current moment. */
export interface LiveState {
  status: string;
  progress: number;
  currentStep?: string;
  updatedAt: number;
  media(scene: SceneState, kind: 'image' | 'video'): MediaState;
}

export interface StoreOptions {
  clock: () => number;
  timeScale: number;
  creatingSeconds: number;
  personIds: readonly number[];
  ledger: CreditLedger;
  /** Next ids, shared by every account of one sandbox: ids are unique across accounts, as upstream. */
  ids?: IdSequence;
}

export interface IdSequence {
  project: number;
  scene: number;
}

export interface CreateInput {
  personId: number;
  storyIdea: string;
  numScenes: number;
  useAvatarFirst: boolean;
  useAvatarLast: boolean;
}

export interface ScenePatch {
  description?: string;
  image_prompt?: string;
  motion_prompt?: string;
  narration_text?: string;
}

export interface RegenerateInput {
  regenerateImage: boolean;
  regenerateVideo: boolean;
  updatedImagePrompt?: string;
  updatedMotionPrompt?: string;
}
