/** The one way an error becomes text for a model or a person: what happened, then what to do. */
import { z } from 'zod';
import { ApiError } from './api/errors/index.js';
import { ProjectBusyError } from './consent/project-lock.js';
import { redactSecrets } from './log.js';
import { StoreUnavailableError } from './store/types.js';
import { ToolInputError } from './tools/errors.js';

/** Turns any thrown error into text: the upstream client's message and hint, our own input errors, or a bug. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    return redactSecrets(
      err.hint && !err.message.includes(err.hint) ? `${err.message} ${err.hint}` : err.message,
    );
  }
  if (err instanceof ToolInputError || err instanceof ProjectBusyError) return redactSecrets(err.message);
  if (err instanceof StoreUnavailableError) {
    return redactSecrets(
      `${err.message.replace(/\.$/, '')}. Nothing was changed or spent: spending and edits wait for the state store, reads still work, and it is used again as soon as it answers (no restart needed).`,
    );
  }
  if (err instanceof z.ZodError) {
    return `Invalid arguments: ${err.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}. Fix them and call again.`;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return redactSecrets(
    `Unexpected error in scene-projects-mcp: ${msg}. Nothing was spent by this call unless get_status shows otherwise; try again, and report it if it persists.`,
  );
}
