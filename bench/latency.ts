/**
 * Figure (d) alone, for a process of its own: tfdistill's student forward at batch 1 (median of 50) and batch 32
 * (median of 10) on the standard workload, printed as one JSON line. `npm run bench` runs it with `--threads 2` (the
 * threaded wasm build, what a serving process would use; a training process keeps wasm single-threaded for its
 * replicas).
 *
 * Run: `npx tsx bench/latency.ts [--threads 2]`.
 */
import { timeMedian } from './time-median.js';
import { buildTfdistill } from './tfdistill-step.js';
import { startBenchBackend } from './workload.js';

const info = await startBenchBackend(process.argv.slice(2));
const c = await buildTfdistill();
const b1 = await timeMedian(() => c.studentForward(1), { warmup: 5, n: 50 });
const b32 = await timeMedian(() => c.studentForward(32), { warmup: 2, n: 10 });
await c.dispose();
console.log(JSON.stringify({ wasmThreads: info.wasmThreads, studentLatencyMsB1: b1 * 1000, studentLatencyMsB32: b32 * 1000 }));
