/**
 * Credit estimates. The reference gives ~100 credits per 10-second scene (10 credits/s);
 * api-notes.md fixes regeneration at 100 with video, 10 for an image alone. The sandbox charges
 * these figures and the consent layer quotes them, so both read this one table.
 */
export const CREDITS_PER_SECOND = 10;
export const SCENE_SECONDS = 10;
export const CREDITS_PER_SCENE = CREDITS_PER_SECOND * SCENE_SECONDS;
export const REGENERATE_WITH_VIDEO = 100;
export const REGENERATE_IMAGE_ONLY = 10;

export const approveCost = (sceneCount: number): number => sceneCount * CREDITS_PER_SCENE;

/** Regenerating the video alone re-renders the motion from the existing image: priced as a video. */
export const regenerateCost = (opts: { regenerate_image?: boolean; regenerate_video?: boolean }): number =>
  opts.regenerate_video === false
    ? opts.regenerate_image === false
      ? 0
      : REGENERATE_IMAGE_ONLY
    : REGENERATE_WITH_VIDEO;
