/** 1. Start-up: spawn → answer to the first tools/list over stdio, ours vs the bare server, interleaved. */
import { abba, BARE, CLI, median, percentile, round } from './lib.js';
import { probeStdio } from './stdio-probe.js';

export interface SideStats {
  median: number;
  p90: number;
  min: number;
  samples: number[];
}

export interface PairResult {
  rounds: number;
  warmup: number;
  ours: SideStats;
  bare: SideStats;
  /** median(ours) / median(bare) */
  ratio: number;
  tools: { ours: number; bare: number };
}

export const stats = (v: number[], digits = 1): SideStats => ({
  median: round(median(v), digits),
  p90: round(percentile(v, 90), digits),
  min: round(Math.min(...v), digits),
  samples: v.map((x) => round(x, digits)),
});

/** Runs `rounds` interleaved pairs (ABBA) after `warmup` discarded pairs; `pick` chooses the figure. */
export async function interleavedStdio(
  rounds: number,
  warmup: number,
  pick: (p: Awaited<ReturnType<typeof probeStdio>>) => number,
): Promise<PairResult> {
  const ours: number[] = [];
  const bare: number[] = [];
  const tools = { ours: 0, bare: 0 };
  for (let i = 0; i < warmup + rounds; i++) {
    for (const side of abba(i)) {
      const p = await probeStdio(side === 'a' ? [CLI] : [BARE]);
      if (side === 'a') tools.ours = p.tools;
      else tools.bare = p.tools;
      if (i >= warmup) (side === 'a' ? ours : bare).push(pick(p));
    }
  }
  const o = stats(ours);
  const b = stats(bare);
  return { rounds, warmup, ours: o, bare: b, ratio: round(o.median / b.median, 3), tools };
}

export function runStartup(rounds = Number(process.env.BENCH_STARTUP_ROUNDS ?? 15)): Promise<PairResult> {
  return interleavedStdio(rounds, 2, (p) => p.ms);
}
