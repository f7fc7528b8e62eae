/** A local Scene Projects API over real HTTP, for tests, demos and offline use. */
import type { AddressInfo } from 'node:net';
import { type Account, AccountBook } from './accounts.js';
import {
  DEFAULT_SANDBOX_CREDITS,
  type Sandbox,
  type SandboxAccount,
  type SandboxOptions,
} from './contract.js';
import { FaultBook } from './faults.js';
import { createSandboxServer } from './server.js';

export type {
  FaultKind,
  FaultRule,
  Ledger,
  LedgerEntry,
  RequestRecord,
  Sandbox,
  SandboxAccount,
  SandboxAccountOptions,
  SandboxOptions,
} from './contract.js';

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const clock = opts.clock ?? Date.now;
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0 && Number.isFinite(timeScale)))
    throw new RangeError('timeScale must be a positive number');
  const host = opts.host ?? '127.0.0.1';
  const credits = opts.credits ?? DEFAULT_SANDBOX_CREDITS;
  const personIds = opts.personIds ?? [1];
  const specs = opts.accounts?.length
    ? opts.accounts.map((a) => ({
        token: a.token,
        credits: a.credits ?? credits,
        personIds: a.personIds ?? personIds,
      }))
    : [{ token: opts.token, credits, personIds }];
  const accounts = new AccountBook(specs, { clock, timeScale, creatingSeconds: opts.creatingSeconds ?? 0 });
  const faults = new FaultBook();
  const front = createSandboxServer({ accounts, faults, clock });

  await new Promise<void>((resolve, reject) => {
    front.server.once('error', reject);
    front.server.listen(opts.port ?? 0, host, () => {
      front.server.off('error', reject);
      resolve();
    });
  });
  const port = (front.server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  front.setOrigin(origin);

  const view = (a: Account): SandboxAccount => ({
    token: a.token,
    ledger: () => a.ledger.snapshot(),
    setCredits: (balance) => a.ledger.setBalance(balance),
  });
  const primary = accounts.primary;
  let closed: Promise<void> | undefined;
  return {
    url: `${origin}/api/v1`,
    origin,
    token: primary.token,
    port,
    accounts: accounts.all.map(view),
    ledger: () => primary.ledger.snapshot(),
    requests: () => front.log.all(),
    injectFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    failProject: (projectId) => accounts.holding(projectId).store.failProject(projectId),
    patchProject: (projectId, fields) => accounts.holding(projectId).store.patch(projectId, fields),
    setCredits: (balance) => primary.ledger.setBalance(balance),
    close: () => {
      closed ??= front.close();
      return closed;
    },
  };
}
