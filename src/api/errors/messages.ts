/** The words of our error messages that depend on the operation: what it was doing, and what to do instead. */
import type { OpContext, Operation } from './api-error.js';

const DOING: Record<Operation, string> = {
  create_story: 'creating the story',
  list_projects: 'listing projects',
  get_project: 'reading the project',
  update_scene: 'updating the scene',
  approve: 'approving the project',
  get_status: 'reading the status',
  regenerate: 'regenerating the scene',
  upscale: 'starting the upscale',
};

/** "approving the project", "regenerating the scene", … */
export const describeOp = (op: Operation): string => DOING[op];

export const capFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export function sceneLabel(ctx: OpContext): string {
  if (ctx.sceneId !== undefined) return `scene id ${ctx.sceneId}`;
  if (ctx.sceneNumber !== undefined) return `scene ${ctx.sceneNumber}`;
  return 'the scene';
}

export function retryText(retryAfterSeconds: number | undefined, fallback: string): string {
  return retryAfterSeconds !== undefined ? `in ${retryAfterSeconds} s` : fallback;
}

export interface MessageAndHint {
  message: string;
  hint: string;
}

/** A refusal because the project is not in a state that allows the operation. */
export function wrongStateMessage(ctx: OpContext, status: string | undefined): MessageAndHint {
  const p = ctx.projectId;
  const st = status ? ` (status: ${status})` : '';
  switch (ctx.op) {
    case 'approve':
      return {
        message: `Project ${p} is not ready for approval${st}. Only a project in 'proposed' can be approved; nothing was charged.`,
        hint:
          status && !['draft', 'creating', 'proposed'].includes(status)
            ? 'It looks already approved: call get_status to follow it; do not approve again.'
            : 'Call get_status to follow it, and approve once it is proposed.',
      };
    case 'update_scene':
      return {
        message: `${capFirst(sceneLabel(ctx))} of project ${p} can no longer be edited${st}. Scenes can be changed only while the project is 'draft' or 'proposed', before approval.`,
        hint: 'Call get_project to see the project; once it has been approved, use regenerate on the finished project instead.',
      };
    case 'regenerate':
      return {
        message: `${capFirst(sceneLabel(ctx))} of project ${p} cannot be regenerated now${st}. Regeneration is accepted only for a 'completed' or 'failed' project; nothing was charged.`,
        hint: 'Call get_status to follow the project and regenerate once it has finished.',
      };
    case 'upscale':
      return {
        message: `Project ${p} cannot be upscaled now${st}. Only a 'completed' project can be upscaled.`,
        hint: 'Call get_status to follow the project and upscale once it is completed.',
      };
    default:
      return {
        message: `Project ${p} is not in a state that allows this${st}.`,
        hint: 'Call get_status to see where the project is.',
      };
  }
}

function sceneNotFoundMessage(ctx: OpContext, detail: string): MessageAndHint {
  const p = ctx.projectId;
  const scene = sceneLabel(ctx);
  const how =
    ctx.op === 'update_scene'
      ? "Scene ids come from get_project (each scene's `id`, not its number)."
      : 'Scene numbers run from 1 to the number of scenes; see get_project.';
  if (detail.includes('scene') && !/project\s+(?:\d+\s+)?not found/.test(detail)) {
    return {
      message: `${capFirst(scene)} was not found in project ${p}. ${how}`,
      hint: 'Call get_project to list its scenes.',
    };
  }
  if (detail.includes('project')) {
    return { message: `Project ${p} was not found.`, hint: PROJECTS_HINT };
  }
  return {
    message: `Project ${p} or its ${scene} was not found. ${how}`,
    hint: 'Call get_project to check the project and its scenes.',
  };
}

const PROJECTS_HINT = 'Call list_projects to see the projects on this account.';

/** A 404: which project, scene or person was missing, told from the operation and the detail. */
export function notFoundMessage(ctx: OpContext, detail: string | undefined): MessageAndHint {
  switch (ctx.op) {
    case 'create_story':
      return {
        message: `Person ${ctx.personId} was not found. person_id must be the id of a person (character) on this account.`,
        hint: 'Use a person_id that exists on the account, then call create_story again.',
      };
    case 'list_projects':
      return {
        message: 'The projects list was not found (404): the API base URL may be wrong.',
        hint: 'Check the base URL setting (it should end in /api/v1).',
      };
    case 'update_scene':
    case 'regenerate':
      return sceneNotFoundMessage(ctx, detail?.toLowerCase() ?? '');
    default:
      return { message: `Project ${ctx.projectId} was not found.`, hint: PROJECTS_HINT };
  }
}
