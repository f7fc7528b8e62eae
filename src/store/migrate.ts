/**
 * Reading stored state of any format version: older versions are upgraded step by step, a newer one
 * is refused (this build cannot know what it means, so it must not overwrite it).
 */
import type { StateData } from './ledger.js';
import { STATE_FORMAT_VERSION } from './types.js';

/** `MIGRATIONS[n]` turns format n into format n + 1. Add one whenever STATE_FORMAT_VERSION grows. */
const MIGRATIONS: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {};

export class StateFormatError extends Error {
  override readonly name = 'StateFormatError';
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parsed JSON (or undefined for "no state yet") → the current format. Throws StateFormatError. */
export function migrate(raw: unknown, where: string): StateData {
  if (raw === undefined) return { version: STATE_FORMAT_VERSION, accounts: {}, locks: {} };
  if (!isRecord(raw) || typeof raw.version !== 'number' || !Number.isInteger(raw.version))
    throw new StateFormatError(
      `${where} is not a state file of scene-projects-mcp (no format version). Move it away to start afresh.`,
    );
  if (raw.version > STATE_FORMAT_VERSION)
    throw new StateFormatError(
      `${where} was written by a newer scene-projects-mcp (format ${raw.version}; this one reads up to ${STATE_FORMAT_VERSION}). Upgrade, or use another --state-dir.`,
    );
  let data = raw;
  for (let v = raw.version; v < STATE_FORMAT_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (!step) throw new StateFormatError(`${where} has format ${v}, which this version cannot upgrade.`);
    data = { ...step(data), version: v + 1 };
  }
  if (!isRecord(data.accounts) || !isRecord(data.locks))
    throw new StateFormatError(
      `${where} is damaged (accounts or locks missing). Move it away to start afresh.`,
    );
  return data as unknown as StateData;
}
