/** Failures found before anything is sent: no usable token, or input the API would refuse. */
import { ZodError } from 'zod';
import { ApiError, baseInit, type FieldError, type OpContext } from './api-error.js';

export function validationFromZod(ctx: OpContext, err: ZodError, prefix?: string): ApiError {
  const fields: FieldError[] = err.issues.map((i) => {
    const path = i.path.map(String).join('.');
    return {
      field: prefix ? (path ? `${prefix}.${path}` : prefix) : path || '(request)',
      message: i.message,
    };
  });
  const list = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return new ApiError({
    kind: 'validation',
    message: `Invalid input for ${ctx.op}: ${list}. Nothing was sent.`,
    hint: 'Fix the fields listed and call again.',
    fields,
    ...baseInit(ctx),
  });
}

export const isZodError = (e: unknown): e is ZodError => e instanceof ZodError;

export function notConfigured(ctx?: OpContext, why?: string): ApiError {
  return new ApiError({
    kind: 'not_configured',
    message: why ?? 'No API token is set.',
    hint: 'Set TWIN_API_TOKEN to your Scene Projects (twin.actor) API token, or run with --sandbox to try without an account.',
    ...(ctx ? baseInit(ctx) : {}),
  });
}
