/**
 * Per-kernel profile of one cached KD step (or a student forward), tfdistill against the hand-written baseline:
 * `tf.profile` kernel times summed by kernel name, largest first.
 *
 * Run: `npx tsx bench/profile.ts [step|live|forward|forward1|teacher] [--threads 2]`.
 */
import * as tf from '@tensorflow/tfjs';
import { buildBaseline } from './baseline.js';
import { buildTfdistill } from './tfdistill-step.js';
import { benchReplicas, startBenchBackend, type Contender } from './workload.js';

const what = process.argv[2] ?? 'step';
await startBenchBackend(process.argv.slice(2));

async function profile(name: string, c: Contender): Promise<void> {
  const run = () =>
    what === 'step'
      ? c.kdStep(true)
      : what === 'live'
        ? c.kdStep(false)
        : Promise.resolve(what === 'teacher' ? c.teacherForward() : c.studentForward(what === 'forward1' ? 1 : 32));
  await run();
  await run();
  const t0 = performance.now();
  const info = await tf.profile(run);
  const wall = performance.now() - t0;
  const byKernel = new Map<string, { ms: number; n: number }>();
  for (const k of info.kernels) {
    const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
    e.ms += k.kernelTimeMs as number;
    e.n++;
    byKernel.set(k.name, e);
  }
  const total = [...byKernel.values()].reduce((p, e) => p + e.ms, 0);
  console.log(
    `\n${name}: wall ${wall.toFixed(0)} ms (profiled), kernels ${total.toFixed(0)} ms, ${info.kernels.length} kernel calls, newTensors ${info.newTensors}`,
  );
  for (const [k, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
    console.log(`  ${k.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms  x${e.n}`);
  }
  if (process.env.SHAPES)
    for (const k of info.kernels.filter((k) => k.name === process.env.SHAPES))
      console.log(`    ${JSON.stringify(k.inputShapes)} ${(k.kernelTimeMs as number).toFixed(1)}`);
  await c.dispose();
}

await profile('tfdistill', await buildTfdistill({ replicas: benchReplicas(process.argv.slice(2)) }));
await profile('baseline', buildBaseline({ embedViaScatter: false }));
