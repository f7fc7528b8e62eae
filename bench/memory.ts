/** 2. Memory: the child's VmRSS right after its first tools/list, ours vs the bare server, interleaved. */
import { interleavedStdio, type PairResult } from './startup.js';

/** Figures in MiB. */
export function runMemory(rounds = Number(process.env.BENCH_MEMORY_ROUNDS ?? 8)): Promise<PairResult> {
  return interleavedStdio(rounds, 1, (p) => p.rssKiB / 1024);
}
