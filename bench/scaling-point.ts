/**
 * One point of `npm run bench -- --scaling`, in a process of its own so that its peak RSS is its own: tfdistill's
 * cached KD step (data-parallel over the default replicas) and the student's batch-1 forward (1 thread) for one
 * student shape and sequence length. Prints one JSON line.
 *
 * Run: `npx tsx bench/scaling-point.ts '{"dModel":256,"numLayers":2,"numHeads":4,"ffnDim":1024,"seq":128,"steps":5}'`.
 */
import { resolveReplicas } from '../src/train/parallel/distill-replicas.js';
import { timeMedian } from './time-median.js';
import { buildTfdistill } from './tfdistill-step.js';
import { startBenchBackend, workload } from './workload.js';

const p = JSON.parse(process.argv[2] ?? '{}') as {
  dModel: number;
  numLayers: number;
  numHeads: number;
  ffnDim: number;
  seq: number;
  steps: number;
};
await startBenchBackend([]);
const replicas = resolveReplicas('auto', 'wasm', () => {}); // distill's default: one per core, at most 4
const w = {
  ...workload,
  seq: p.seq,
  maxLength: p.seq,
  student: { dModel: p.dModel, numLayers: p.numLayers, numHeads: p.numHeads, ffnDim: p.ffnDim },
};
const c = await buildTfdistill({ replicas, workload: w, teacher: false });
const stepS = await timeMedian(() => c.kdStep(true), { warmup: 1, n: p.steps });
const b1S = await timeMedian(() => c.studentForward(1), { warmup: 2, n: Math.max(5, 4 * p.steps) });
await c.dispose();
// Peak RSS of this process (the replica workers are threads of it).
console.log(
  JSON.stringify({ replicas, cachedStepSamplesPerS: w.batch / stepS, b1Ms: b1S * 1000, peakRssMB: process.resourceUsage().maxRSS / 1024 }),
);
