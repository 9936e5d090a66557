/**
 * CPU-time A/B of tfdistill against the hand-written baseline: median process CPU milliseconds per call
 * (user + system), which other processes on a shared machine barely disturb, unlike wall time. Used to
 * judge each performance lever; the headline figures come from `bench/run.ts`.
 *
 * Run: `npx tsx bench/cpu-ab.ts [rounds]`.
 */
import { useBackend } from '../src/backend/use-backend.js';
import { buildBaseline } from './baseline.js';
import { buildTfdistill } from './tfdistill-step.js';
import type { Contender } from './workload.js';

const rounds = Number(process.argv[2] ?? 5);
await useBackend('wasm');

function cpuMs(fn: () => unknown): Promise<number> {
  const t0 = process.cpuUsage();
  return Promise.resolve(fn()).then(() => {
    const d = process.cpuUsage(t0);
    return (d.user + d.system) / 1000;
  });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const cases: { name: string; run: (c: Contender) => unknown }[] = [
  { name: 'cached KD step', run: (c) => c.kdStep(true) },
  { name: 'KD step', run: (c) => c.kdStep(false) },
  { name: 'student fwd b32', run: (c) => c.studentForward(32) },
  { name: 'student fwd b1', run: (c) => c.studentForward(1) },
];
const lib = await buildTfdistill();
const base = buildBaseline({ embedViaScatter: false });
console.log('case               tfdistill ms  baseline ms  ratio');
for (const k of cases) {
  const a: number[] = [],
    b: number[] = [];
  const n = k.name.endsWith('b1') ? rounds * 5 : rounds;
  await k.run(lib);
  await k.run(base);
  for (let i = 0; i < n; i++) {
    a.push(await cpuMs(() => k.run(lib)));
    b.push(await cpuMs(() => k.run(base)));
  }
  console.log(
    `${k.name.padEnd(18)} ${median(a).toFixed(1).padStart(12)} ${median(b).toFixed(1).padStart(12)} ${(median(a) / median(b)).toFixed(2).padStart(6)}`,
  );
}
await lib.dispose();
base.dispose();
