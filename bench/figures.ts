/**
 * Quick A/B helper: tfdistill's four timed figures of the standard workload ((b) cached KD step, (c) teacher forward
 * b32, (d) student b32 and b1), each a median within a round, best of `--rounds` rounds, in one short process. Run it before and after a
 * change, alternating, on an idle machine.
 *
 * Run: `npx tsx bench/figures.ts [--threads 2] [--rounds 3]`.
 */
import { timeMedian } from './time-median.js';
import { buildTfdistill } from './tfdistill-step.js';
import { benchReplicas, startBenchBackend, workload } from './workload.js';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
await startBenchBackend(argv);
const c = await buildTfdistill({ replicas: benchReplicas(argv) });
const rounds = flag('--rounds', 3);
const figures = { cached: [] as number[], teacher: [] as number[], b32: [] as number[], b1: [] as number[] };
for (let r = 0; r < rounds; r++) {
  figures.cached.push(workload.batch / (await timeMedian(() => c.kdStep(true), { warmup: 2, n: 5 })));
  figures.teacher.push(workload.batch / (await timeMedian(() => c.teacherForward(), { warmup: 1, n: 3 })));
  figures.b32.push(1000 * (await timeMedian(() => c.studentForward(32), { warmup: 1, n: 5 })));
  figures.b1.push(1000 * (await timeMedian(() => c.studentForward(1), { warmup: 3, n: 30 })));
}
await c.dispose();
// Best round: on a shared VM, interference only ever slows a round down.
const best = (xs: number[], higherIsBetter: boolean) => (higherIsBetter ? Math.max(...xs) : Math.min(...xs));
console.log(
  `best of ${rounds}: cached ${best(figures.cached, true).toFixed(2)} samples/s | teacher ${best(figures.teacher, true).toFixed(2)} samples/s | ` +
    `b32 ${best(figures.b32, false).toFixed(0)} ms | b1 ${best(figures.b1, false).toFixed(2)} ms`,
);
console.log(`rounds: ${JSON.stringify(figures, (_, v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`);
