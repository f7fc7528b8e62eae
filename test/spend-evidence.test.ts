/**
 * The judges of a lost spend on their own: evidence comes from the service's markers compared with
 * the reading taken before the request, never from a guess or the local clock.
 */
import { describe, expect, it } from 'vitest';
import type { OpContext } from '../src/api/errors/index.js';
import { Project } from '../src/api/schemas.js';
import { approveEvidence, regenerateEvidence, upscaleEvidence } from '../src/api/spend-evidence.js';

const ctx: OpContext = {
  op: 'regenerate',
  method: 'POST',
  path: '/scene-projects/7/scenes/1/regenerate',
  projectId: 7,
  sceneNumber: 1,
};

const project = (over: Record<string, unknown> = {}) =>
  Project.parse({
    id: 7,
    status: 'completed',
    updated_at: '2026-11-28T10:00:00Z',
    credits_used: 200,
    final_video_url: 'https://cdn.example/final_v1.mp4',
    scenes: [{ id: 1, scene_number: 1, status: 'completed', image_url: 'https://cdn.example/i1_v1.jpg' }],
    ...over,
  });

describe('regenerate', () => {
  it('a finished project with no earlier reading proves nothing either way', () => {
    expect(regenerateEvidence(project(), undefined, ctx).spent).toBeUndefined();
  });

  it('a later updated_at alone is not taken for our regeneration', () => {
    const after = project({ updated_at: '2026-11-28T10:05:00Z' });
    expect(regenerateEvidence(after, project(), ctx).spent).toBeUndefined();
  });

  it('the same instant written without a zone is "unchanged", in any local zone', () => {
    const after = project({ updated_at: '2026-11-28T10:00:00' });
    expect(regenerateEvidence(after, project(), ctx)).toMatchObject({ spent: false });
  });

  it('credits, the scene or the final video changing is evidence; so is the project generating again', () => {
    expect(regenerateEvidence(project({ credits_used: '300' }), project(), ctx).spent).toBe(true);
    const newImage = project({
      scenes: [{ id: 1, scene_number: 1, status: 'completed', image_url: 'https://cdn.example/i1_v2.jpg' }],
    });
    expect(regenerateEvidence(newImage, project(), ctx).evidence).toMatch(/scene 1 changed \(image_url\)/);
    expect(regenerateEvidence(project({ status: 'generating' }), project(), ctx).spent).toBe(true);
    expect(
      regenerateEvidence(project({ scenes: [{ id: 2, scene_number: 2, image_url: 'x' }] }), project(), ctx)
        .spent,
    ).toBe(false);
  });
});

describe('approve and upscale', () => {
  it('approve: leaving proposed is evidence; a project already past it before the request is not ours', () => {
    const before = project({ status: 'proposed' });
    expect(approveEvidence(project({ status: 'generating' }), before).spent).toBe(true);
    expect(approveEvidence(before, before).spent).toBe(false);
    expect(approveEvidence(project({ status: 'generating' }), project({ status: 'generating' })).spent).toBe(
      false,
    );
  });

  it('upscale: an upscaled video only counts if it is new', () => {
    const old = project({ final_video_url_upscaled: 'https://cdn.example/up_v1.mp4' });
    expect(upscaleEvidence(old, old).spent).toBe(false);
    expect(upscaleEvidence(old, undefined).spent).toBeUndefined();
    expect(
      upscaleEvidence(project({ final_video_url_upscaled: 'https://cdn.example/up_v2.mp4' }), old).spent,
    ).toBe(true);
    expect(upscaleEvidence(project({ status: 'upscaling' }), project()).spent).toBe(true);
  });
});
