/**
 * What a transport does with an inbound JSON-RPC message the SDK would refuse. The SDK's stdio
 * transport drops any line that fails its message schema (a `_meta` that is null or a string, a
 * `progressToken` that is null, an object or a boolean) after handing a multi-kilobyte validation
 * dump to `onerror`: the client waits forever. Over HTTP the SDK answers 400 with a generic
 * "not a valid JSON-RPC message". Here such a message is found first, so that a request is answered
 * with a JSON-RPC error naming its first problem (-32602 when it lies in `params`), and the log gets
 * one short line: method, id, the first problem — never the message or the dump.
 */
import {
  INVALID_PARAMS,
  INVALID_REQUEST,
  type JSONRPCErrorResponse,
  PARSE_ERROR,
  parseJSONRPCMessage,
} from '@modelcontextprotocol/server';
import { redactSecretValues } from '../api/redact.js';
import { cleanText } from '../clean-text.js';

/** The longest log line about one invalid message (method and id are capped well below it). */
export const MAX_INVALID_LOG = 240;

export type InboundVerdict =
  | { ok: true }
  | {
      ok: false;
      /** The JSON-RPC error that names the first problem. */
      error: { code: number; message: string };
      /** The error response to send back, when the message is a request with an id we can answer to. */
      reply?: JSONRPCErrorResponse;
      /** One short line for the log. */
      log: string;
    };

/** Deeper messages are refused before any validator walks them (a recursive walk overflows its stack). */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests arrays and objects more than `limit` levels deep (an iterative walk). */
export function nestedDeeperThan(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (depth >= limit) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v)) {
      if (x && typeof x === 'object') stack.push([x, depth + 1]);
    }
  }
  return false;
}

type Id = string | number;
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is Id => typeof v === 'string' || Number.isInteger(v);

/** What a value is, never the value itself (it may be 100 KB, or a secret). */
function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `a string of ${v.length} characters`;
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a fraction';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Client text as it may be shown: secrets replaced before the cap (a cut secret is not recognised). */
const shown = (text: string, max: number) => cleanText(redactSecretValues(text), max);

const KEYS = new Set(['jsonrpc', 'id', 'method', 'params', 'result', 'error']);
const RELATED_TASK = 'io.modelcontextprotocol/related-task';

/** The first problem in the envelope and `params` of a message that has a method, or undefined. */
function methodProblem(m: Obj): { code: number; problem: string } | undefined {
  const invalid = (problem: string) => ({ code: INVALID_REQUEST, problem });
  const params = (problem: string) => ({ code: INVALID_PARAMS, problem });
  if (m.jsonrpc !== '2.0') return invalid(`"jsonrpc" must be "2.0" (got ${kind(m.jsonrpc)})`);
  const extra = Object.keys(m).find((k) => !KEYS.has(k) || k === 'result' || k === 'error');
  if (extra !== undefined) return invalid(`unexpected member "${shown(extra, 40)}"`);
  if ('id' in m && !isId(m.id)) return invalid(`"id" must be a string or an integer (got ${kind(m.id)})`);
  if (m.params === undefined) return undefined;
  if (!isObj(m.params)) return params(`params must be an object (got ${kind(m.params)})`);
  const meta = m.params._meta;
  if (meta === undefined) return undefined;
  if (!isObj(meta)) return params(`params._meta must be an object (got ${kind(meta)})`);
  const token = meta.progressToken;
  if (token !== undefined && !isId(token)) {
    return params(`params._meta.progressToken must be a string or an integer (got ${kind(token)})`);
  }
  const task = meta[RELATED_TASK];
  if (task !== undefined && !(isObj(task) && typeof task.taskId === 'string')) {
    return params(`params._meta["${RELATED_TASK}"] must be an object with a string taskId`);
  }
  return undefined;
}

/** The schema's own first issue, as a path and a message (a fallback for what the checks above miss). */
function schemaProblem(value: unknown): string | undefined {
  try {
    parseJSONRPCMessage(value);
    return undefined;
  } catch (err) {
    const issue = (err as { issues?: { path?: PropertyKey[]; message?: string }[] }).issues?.[0];
    if (!issue) return 'not a valid JSON-RPC message';
    const path = (issue.path ?? []).map((p) => shown(String(p), 40)).join('.');
    return `${path ? `${path}: ` : ''}${shown(issue.message ?? 'invalid', 80)}`;
  }
}

function schemaFallback(value: unknown): { code: number; problem: string } | undefined {
  const problem = schemaProblem(value);
  return problem ? { code: INVALID_REQUEST, problem } : undefined;
}

function logLine(answered: boolean, method: unknown, id: unknown, problem: string): string {
  const what = [
    typeof method === 'string' ? `method ${shown(method, 60)}` : undefined,
    isId(id) ? `id ${shown(String(id), 40)}` : undefined,
  ].filter(Boolean);
  const head = `invalid JSON-RPC message ${answered ? 'answered with an error' : 'dropped'}`;
  return cleanText(`${head}${what.length ? ` (${what.join(', ')})` : ''}: ${problem}`, MAX_INVALID_LOG);
}

/**
 * Checks one inbound message (already parsed from JSON). A request with a usable id gets a `reply`;
 * anything else invalid (a notification, a response, no usable id) is only logged.
 */
export function checkInbound(value: unknown): InboundVerdict {
  if (nestedDeeperThan(value)) {
    return verdict(value, {
      code: PARSE_ERROR,
      problem: `the message nests deeper than ${MAX_JSON_DEPTH} levels`,
    });
  }
  if (!isObj(value)) {
    const problem = Array.isArray(value)
      ? 'JSON-RPC batches are not supported (MCP removed them in 2025-06-18): send one message at a time'
      : `a message must be a JSON object (got ${kind(value)})`;
    return verdict(value, { code: INVALID_REQUEST, problem });
  }
  const found =
    (typeof value.method === 'string' ? methodProblem(value) : undefined) ?? schemaFallback(value);
  return found ? verdict(value, found) : { ok: true };
}

const LABELS: Record<number, string> = { [PARSE_ERROR]: 'Parse error', [INVALID_PARAMS]: 'Invalid params' };

function verdict(value: unknown, found: { code: number; problem: string }): InboundVerdict {
  const m = isObj(value) ? value : {};
  const answerable = typeof m.method === 'string' && isId(m.id);
  const error = {
    code: found.code,
    message: `${LABELS[found.code] ?? 'Invalid request'}: ${found.problem}.`,
  };
  const log = logLine(answerable, m.method, m.id, found.problem);
  if (!answerable) return { ok: false, error, log };
  return { ok: false, error, log, reply: { jsonrpc: '2.0', id: m.id as Id, error } };
}
