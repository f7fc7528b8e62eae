/** Fault rules: which injected failure, if any, a request meets. */
import type { FaultKind, FaultRule } from './contract.js';
import { seededRandom } from './random.js';

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

export interface FaultDecision {
  /** Sum of the latency rules that matched; applied before anything else. */
  latencyMs: number;
  /** The first matching non-latency fault. */
  fault?: Exclude<FaultKind, { kind: 'latency' }>;
}

export class FaultBook {
  private rules: ActiveRule[] = [];
  // Seeded so a rate-based run is reproducible; Math.random would make flaky tests flakier.
  private readonly random = seededRandom(0x5eed);

  add(rule: FaultRule): () => void {
    if (rule.count !== undefined && !(Number.isInteger(rule.count) && rule.count > 0)) {
      throw new RangeError('fault count must be a positive integer');
    }
    if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1)) {
      throw new RangeError('fault rate must be between 0 and 1');
    }
    const active: ActiveRule = { rule, remaining: rule.count ?? Number.POSITIVE_INFINITY };
    this.rules.push(active);
    return () => {
      this.rules = this.rules.filter((r) => r !== active);
    };
  }

  clear(): void {
    this.rules = [];
  }

  /** Consumes one use of each rule that applies to this request. */
  take(method: string, path: string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const active of [...this.rules]) {
      const { rule } = active;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.path) {
        rule.path.lastIndex = 0;
        if (!rule.path.test(path)) continue;
      }
      if (rule.fault.kind !== 'latency' && decision.fault) continue;
      if (rule.rate !== undefined && this.random() >= rule.rate) continue;
      if (rule.fault.kind === 'latency') decision.latencyMs += rule.fault.ms;
      else decision.fault = rule.fault;
      active.remaining -= 1;
      if (active.remaining <= 0) this.rules = this.rules.filter((r) => r !== active);
    }
    return decision;
  }
}
