/**
 * The sandbox's accounts: each a bearer token with its own projects and credit ledger, as separate
 * customers of the real service are. Ids come from one sequence, so they are unique across accounts
 * (as upstream); an account asking for another's project gets the 404 the service gives.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { CreditLedger } from './ledger.js';
import type { MediaLookup } from './media.js';
import type { IdSequence } from './project-state.js';
import { ProjectStore } from './store.js';
import { Views } from './views.js';

export interface AccountSpec {
  token?: string;
  credits: number;
  personIds: readonly number[];
}

export interface Account {
  readonly token: string;
  readonly store: ProjectStore;
  readonly views: Views;
  readonly ledger: CreditLedger;
}

export interface AccountClock {
  clock: () => number;
  timeScale: number;
  creatingSeconds: number;
}

export const randomSandboxToken = (): string => `sbx_${randomBytes(18).toString('base64url')}`;

export class AccountBook implements MediaLookup {
  readonly all: readonly Account[];

  constructor(specs: readonly AccountSpec[], time: AccountClock) {
    if (specs.length === 0) throw new RangeError('a sandbox needs at least one account');
    const ids: IdSequence = { project: 1, scene: 1 };
    this.all = specs.map((spec) => {
      const ledger = new CreditLedger(spec.credits, time.clock);
      const store = new ProjectStore({ ...time, personIds: spec.personIds, ledger, ids });
      return { token: spec.token ?? randomSandboxToken(), store, views: new Views(store), ledger };
    });
    const tokens = new Set(this.all.map((a) => a.token));
    if (tokens.size !== this.all.length) throw new RangeError('each sandbox account needs its own token');
  }

  get primary(): Account {
    return this.all[0]!;
  }

  /**
   * The account whose token the header carries; otherwise the first (whose check then refuses it).
   * Every token is compared, in constant time, so timing does not tell which account matched.
   */
  byAuthorization(header: string | undefined): Account {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m) return this.primary;
    const given = Buffer.from(m[1]!);
    let found: Account | undefined;
    for (const account of this.all) {
      const expected = Buffer.from(account.token);
      if (given.length === expected.length && timingSafeEqual(given, expected)) found ??= account;
    }
    return found ?? this.primary;
  }

  /** The account holding a project (test hooks address projects by id alone). */
  holding(projectId: number): Account {
    return this.all.find((a) => a.store.find(projectId)) ?? this.primary;
  }

  find(projectId: number): ReturnType<MediaLookup['find']> {
    for (const a of this.all) {
      const p = a.store.find(projectId);
      if (p) return p;
    }
    return undefined;
  }

  liveScene(sceneId: number): ReturnType<MediaLookup['liveScene']> {
    for (const a of this.all) {
      const s = a.store.liveScene(sceneId);
      if (s) return s;
    }
    return undefined;
  }
}
