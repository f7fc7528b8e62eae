/** The JSON shapes the API answers, laid out as in the vendor's reference. */
import { finalVideoPath, sceneImagePath, sceneVideoPath, upscaledVideoPath } from './media.js';
import type { LiveState, MediaState, ProjectState, SceneState } from './project-state.js';
import type { ProjectStore } from './store.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** A short title for `description`; the full idea goes in `ideas`, as in the reference's example. */
export function titleOf(idea: string): string {
  const first = (idea.trim().split(/(?<=[.!?])\s+/)[0] ?? idea).replace(/[.!?]+$/, '');
  if (first.length <= 80) return first;
  const cut = first.slice(0, 80);
  return `${cut.slice(0, cut.lastIndexOf(' ') > 40 ? cut.lastIndexOf(' ') : 80)}…`;
}

function sceneStatus(image: MediaState, video: MediaState): string {
  if (image.status === 'failed' || video.status === 'failed') return 'failed';
  if (image.status === 'completed' && video.status === 'completed') return 'completed';
  if (image.status === 'pending' && video.status === 'pending') return 'pending';
  return 'generating';
}

export class Views {
  constructor(private readonly store: ProjectStore) {}

  create(project: ProjectState): Record<string, unknown> {
    const live = this.store.live(project);
    return {
      id: project.id,
      status: live.status,
      story_idea: project.storyIdea,
      num_scenes: project.numScenes,
      person_id: project.personId,
      scenes: this.store.visibleScenes(project).map((s) => ({
        scene_number: s.sceneNumber,
        description: s.description,
        image_prompt: s.image_prompt,
        motion_prompt: s.motion_prompt,
        narration_text: s.narration_text,
        status: 'pending',
      })),
      created_at: iso(project.createdAt),
    };
  }

  scene(origin: string, scene: SceneState, live: LiveState): Record<string, unknown> {
    const image = live.media(scene, 'image');
    const video = live.media(scene, 'video');
    return {
      id: scene.id,
      scene_number: scene.sceneNumber,
      description: scene.description,
      image_prompt: scene.image_prompt,
      motion_prompt: scene.motion_prompt,
      narration_text: scene.narration_text,
      image_url: image.version > 0 ? origin + sceneImagePath(scene.id, image.version) : null,
      video_url: video.version > 0 ? origin + sceneVideoPath(scene.id, video.version) : null,
      status: sceneStatus(image, video),
    };
  }

  project(origin: string, project: ProjectState): Record<string, unknown> {
    const live = this.store.live(project);
    return {
      id: project.id,
      description: titleOf(project.storyIdea),
      ideas: project.storyIdea,
      status: live.status,
      progress: live.progress,
      ...(live.currentStep ? { current_step: live.currentStep } : {}),
      ...(project.error && live.status === 'failed' ? { error: project.error } : {}),
      person_id: project.personId,
      user_id: project.userId,
      ...this.results(origin, project),
      use_avatar_first_scene: project.useAvatarFirst,
      use_avatar_last_scene: project.useAvatarLast,
      scenes: this.store.visibleScenes(project).map((s) => this.scene(origin, s, live)),
      created_at: iso(project.createdAt),
      updated_at: iso(live.updatedAt),
      ...project.overlay,
    };
  }

  status(origin: string, project: ProjectState): Record<string, unknown> {
    const live = this.store.live(project);
    const base: Record<string, unknown> = { id: project.id, status: live.status, progress: live.progress };
    const scenes = () =>
      this.store.visibleScenes(project).map((scene) => {
        const image = live.media(scene, 'image');
        const video = live.media(scene, 'video');
        // As in the reference, a URL key appears only once there is something to fetch.
        return {
          scene_number: scene.sceneNumber,
          image_status: image.status,
          video_status: video.status,
          ...(image.version > 0 ? { image_url: origin + sceneImagePath(scene.id, image.version) } : {}),
          ...(video.version > 0 ? { video_url: origin + sceneVideoPath(scene.id, video.version) } : {}),
        };
      });
    const { final_video_url, final_video_url_upscaled, total_duration_seconds } = this.results(
      origin,
      project,
    );
    let extra: Record<string, unknown> = {};
    switch (live.status) {
      case 'generating':
        extra = { current_step: live.currentStep, scenes: scenes() };
        break;
      case 'upscaling':
        extra = {
          current_step: live.currentStep,
          final_video_url,
          total_duration_seconds,
          credits_used: project.creditsUsed,
        };
        break;
      case 'completed':
        extra = {
          final_video_url,
          ...(final_video_url_upscaled ? { final_video_url_upscaled } : {}),
          total_duration_seconds,
          credits_used: project.creditsUsed,
        };
        break;
      case 'failed':
        extra = {
          error: project.error ?? 'Generation failed',
          scenes: scenes(),
          credits_used: project.creditsUsed,
        };
        break;
    }
    return { ...base, ...extra, ...project.overlay };
  }

  private results(origin: string, project: ProjectState) {
    const done = project.finalVersion > 0;
    return {
      final_video_url: done ? origin + finalVideoPath(project.id, project.finalVersion) : null,
      final_video_url_upscaled:
        project.upscaledVersion > 0 ? origin + upscaledVideoPath(project.id, project.upscaledVersion) : null,
      total_duration_seconds: done ? this.store.totalSeconds(project) : null,
    };
  }
}
