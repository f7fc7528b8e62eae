/** A local Scene Projects API over real HTTP, for tests, demos and offline use. */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DEFAULT_SANDBOX_CREDITS, type Sandbox, type SandboxOptions } from './contract.js';
import { FaultBook } from './faults.js';
import { CreditLedger } from './ledger.js';
import { createSandboxServer } from './server.js';
import { ProjectStore } from './store.js';
import { Views } from './views.js';

export type {
  FaultKind,
  FaultRule,
  Ledger,
  LedgerEntry,
  RequestRecord,
  Sandbox,
  SandboxOptions,
} from './contract.js';

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const clock = opts.clock ?? Date.now;
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0 && Number.isFinite(timeScale)))
    throw new RangeError('timeScale must be a positive number');
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? `sbx_${randomBytes(18).toString('base64url')}`;
  const ledger = new CreditLedger(opts.credits ?? DEFAULT_SANDBOX_CREDITS, clock);
  const store = new ProjectStore({
    clock,
    timeScale,
    creatingSeconds: opts.creatingSeconds ?? 0,
    personIds: opts.personIds ?? [1],
    ledger,
  });
  const faults = new FaultBook();
  const front = createSandboxServer({ store, views: new Views(store), ledger, faults, token, clock });

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

  let closed: Promise<void> | undefined;
  return {
    url: `${origin}/api/v1`,
    origin,
    token,
    port,
    ledger: () => ledger.snapshot(),
    requests: () => front.log.all(),
    injectFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    failProject: (projectId) => store.failProject(projectId),
    patchProject: (projectId, fields) => store.patch(projectId, fields),
    setCredits: (balance) => ledger.setBalance(balance),
    close: () => {
      closed ??= front.close();
      return closed;
    },
  };
}
