/**
 * Request validation in the manner of a FastAPI/pydantic v2 service: lax coercion of JSON values
 * ("5" is an integer, "yes" a boolean) and errors as `{type, loc, msg, input, ctx?}` lists, so
 * clients meet the same error bodies the real service produces.
 */

export type Loc = (string | number)[];

export interface Issue {
  type: string;
  loc: Loc;
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

type Parsed<T> = { value: T } | { issue: Issue };

export function parseJson(raw: Buffer, required: boolean): { value: unknown } | { issues: Issue[] } {
  const text = raw.toString('utf8');
  if (text.trim() === '') {
    return required
      ? { issues: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] }
      : { value: undefined };
  }
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    const position = Number(/position (\d+)/.exec(String(err))?.[1] ?? 0);
    return {
      issues: [
        {
          type: 'json_invalid',
          loc: ['body', position],
          msg: 'JSON decode error',
          input: {},
          ctx: { error: 'Expecting value' },
        },
      ],
    };
  }
}

export function asObject(value: unknown, issues: Issue[]): Record<string, unknown> | undefined {
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    return value as Record<string, unknown>;
  issues.push({
    type: 'model_attributes_type',
    loc: ['body'],
    msg: 'Input should be a valid dictionary or object to extract fields from',
    input: value,
  });
  return undefined;
}

export function toInt(input: unknown, loc: Loc): Parsed<number> {
  if (typeof input === 'number') {
    if (Number.isSafeInteger(input)) return { value: input };
    if (Number.isFinite(input)) {
      return {
        issue: {
          type: 'int_from_float',
          loc,
          msg: 'Input should be a valid integer, got a number with a fractional part',
          input,
        },
      };
    }
  }
  if (typeof input === 'string') {
    if (/^\s*[+-]?\d{1,15}\s*$/.test(input)) return { value: Number.parseInt(input, 10) };
    return {
      issue: {
        type: 'int_parsing',
        loc,
        msg: 'Input should be a valid integer, unable to parse string as an integer',
        input,
      },
    };
  }
  return { issue: { type: 'int_type', loc, msg: 'Input should be a valid integer', input } };
}

const TRUE_WORDS = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE_WORDS = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

export function toBool(input: unknown, loc: Loc): Parsed<boolean> {
  if (typeof input === 'boolean') return { value: input };
  if (input === 0 || input === 1) return { value: input === 1 };
  if (typeof input === 'string') {
    const word = input.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return { value: true };
    if (FALSE_WORDS.has(word)) return { value: false };
    return {
      issue: {
        type: 'bool_parsing',
        loc,
        msg: 'Input should be a valid boolean, unable to interpret input',
        input,
      },
    };
  }
  return { issue: { type: 'bool_type', loc, msg: 'Input should be a valid boolean', input } };
}

export function toStr(input: unknown, loc: Loc): Parsed<string> {
  if (typeof input === 'string') return { value: input };
  return { issue: { type: 'string_type', loc, msg: 'Input should be a valid string', input } };
}

/**
 * Reads one field. Absent or null is `undefined` unless required; a bad value adds an issue.
 */
export function field<T>(
  obj: Record<string, unknown>,
  key: string,
  parse: (input: unknown, loc: Loc) => Parsed<T>,
  issues: Issue[],
  opts: { required?: boolean; where?: string } = {},
): T | undefined {
  const loc: Loc = [opts.where ?? 'body', key];
  const input = obj[key];
  if (input === undefined || input === null) {
    if (opts.required) issues.push({ type: 'missing', loc, msg: 'Field required', input: obj });
    return undefined;
  }
  const parsed = parse(input, loc);
  if ('issue' in parsed) {
    issues.push(parsed.issue);
    return undefined;
  }
  return parsed.value;
}

export const lengthIssue = (value: string, loc: Loc, min: number, max: number): Issue | undefined => {
  const length = [...value.trim()].length;
  if (length < min) {
    return {
      type: 'string_too_short',
      loc,
      msg: `String should have at least ${min} characters`,
      input: value,
      ctx: { min_length: min },
    };
  }
  if (length > max) {
    return {
      type: 'string_too_long',
      loc,
      msg: `String should have at most ${max} characters`,
      input: value,
      ctx: { max_length: max },
    };
  }
  return undefined;
};

export const rangeIssue = (value: number, loc: Loc, min: number, max: number): Issue | undefined => {
  if (value < min) {
    return {
      type: 'greater_than_equal',
      loc,
      msg: `Input should be greater than or equal to ${min}`,
      input: value,
      ctx: { ge: min },
    };
  }
  if (value > max) {
    return {
      type: 'less_than_equal',
      loc,
      msg: `Input should be less than or equal to ${max}`,
      input: value,
      ctx: { le: max },
    };
  }
  return undefined;
};
