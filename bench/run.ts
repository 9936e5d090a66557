/**
 * `npm run bench -- --job [--examples N] [--epochs N]`: the end-to-end job beside PyTorch's, measured
 * (`bench/job-vs-pytorch.ts`, ~30 min). `npm run bench -- --scaling`: cost over widths, depths and sequence lengths
 * beside PyTorch (`bench/scaling.ts`). `npm run bench -- --int8`: int8 against float32 students, latency and the demo's
 * accuracy (`bench/int8.ts`).
 *
 * `npm run bench [-- --quick] [-- --replicas N|auto] [-- --threads 2] [-- --no-torch] [-- --no-stock] [-- --no-threads] [-- --no-onnx]`: the standard workload of
 * the performance issue with tfdistill's real training step (data-parallel over `--replicas`, default 'auto' = one per
 * core up to 4, and with 1 replica) and with the hand-written TF.js baseline (same kernel overrides), in one
 * process, then the baseline on stock tfjs-backend-wasm kernels, then (d) on the threaded wasm build in a process of
 * its own (`bench/latency.ts --threads 2`), then the PyTorch peer (`bench/peer/torch_kd.py`, or `$TFDISTILL_TORCH_PEER`),
 * then tfdistill's ONNX teacher: the peer's teacher exported to ONNX (`bench/onnx-teacher.ts`), forward pass only.
 * Prints a table and writes `bench/results/<date>-<backend>.json` and `bench/results/latest.json`.
 *
 * Contenders run one after another (2 cores: never in parallel). A closing A/B/A/B round of KD steps gives the
 * tfdistill/baseline ratio measured back to back, which is what to compare on a noisy machine.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installWasmOverrides, restoreStockWasmKernels } from '../src/backend/wasm-kernels/register.js';
import { buildBaseline } from './baseline.js';
import { measure, type Plan } from './measure.js';
import { timeMedian } from './time-median.js';
import { measureOnnxTeacher } from './onnx-teacher.js';
import { jobSeconds, JOB, printTable } from './table.js';
import { buildTfdistill } from './tfdistill-step.js';
import { runTorchPeer, torchPeerScript } from './torch-peer.js';
import { benchReplicas, startBenchBackend, workload } from './workload.js';

const argv = process.argv.slice(2);
const args = new Set(argv);
// The other benches of the suite, each a script of its own.
const others: Record<string, string> = { '--job': 'job-vs-pytorch.ts', '--scaling': 'scaling.ts', '--int8': 'int8.ts' };
const other = Object.entries(others).find(([flag]) => args.has(flag))?.[1];
if (other) {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), other);
  const rest = argv.filter((a) => !(a in others));
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, ...rest], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
const quick = args.has('--quick');
const plan: Plan = quick ? { warmup: 1, steps: 3, latencyRuns: 20 } : { warmup: 3, steps: 10, latencyRuns: 50 };
const stockPlan: Plan = quick ? { warmup: 1, steps: 2, latencyRuns: 10 } : { warmup: 1, steps: 4, latencyRuns: 20 };

const info = await startBenchBackend(argv);
const log = (m: string) => process.stderr.write(`${m}\n`);
log(`backend ${info.name}, wasm threads ${info.wasmThreads}, simd ${info.wasmSimd}${quick ? ', quick' : ''}`);

const replicas = benchReplicas(argv, 'auto');
let parallel: Awaited<ReturnType<typeof measure>> | undefined;
if (replicas > 1) {
  log(`tfdistill, ${replicas} data-parallel replicas ...`);
  const c = await buildTfdistill({ replicas });
  parallel = await measure(c, plan);
  await c.dispose();
}
log('tfdistill, 1 replica ...');
const lib = await buildTfdistill();
const oneReplica = await measure(lib, plan);
const tfdistill = parallel ?? oneReplica;
const single = parallel ? oneReplica : undefined;
log('hand-written baseline (tfdistill kernel overrides) ...');
const base = buildBaseline({ embedViaScatter: false });
const baseline = await measure(base, plan);

// Back-to-back A/B rounds: both contenders see the same machine load, so their ratio is the fair overhead figure.
log('A/B rounds ...');
const rounds = quick ? 1 : 3;
const ab = { lib: [] as number[], base: [] as number[], libCached: [] as number[], baseCached: [] as number[] };
for (let r = 0; r < rounds; r++) {
  ab.lib.push(await timeMedian(() => lib.kdStep(false), { warmup: 0, n: 3 }));
  ab.base.push(await timeMedian(() => base.kdStep(false), { warmup: 0, n: 3 }));
  ab.libCached.push(await timeMedian(() => lib.kdStep(true), { warmup: 0, n: 3 }));
  ab.baseCached.push(await timeMedian(() => base.kdStep(true), { warmup: 0, n: 3 }));
}
const sum = (xs: number[]) => xs.reduce((p, x) => p + x, 0);
const overhead = { kdStep: sum(ab.lib) / sum(ab.base), cachedKdStep: sum(ab.libCached) / sum(ab.baseCached) };
await lib.dispose();
base.dispose();

let stockBaseline: Awaited<ReturnType<typeof measure>> | undefined;
if (!args.has('--no-stock') && info.name === 'wasm') {
  log('hand-written baseline on stock tfjs-backend-wasm kernels ...');
  restoreStockWasmKernels();
  const stock = buildBaseline({ embedViaScatter: true });
  try {
    stockBaseline = await measure(stock, stockPlan);
  } finally {
    stock.dispose();
    installWasmOverrides();
  }
}

// (d) as a serving process would run it: the threaded wasm build, in a process of its own (a wasm build is chosen
// once per process, and this one keeps wasm single-threaded for the training replicas).
let threadedLatency: { wasmThreads: number; studentLatencyMsB1: number; studentLatencyMsB32: number } | undefined;
if (!args.has('--no-threads') && info.name === 'wasm' && (info.wasmThreads ?? 1) === 1 && os.cpus().length > 1) {
  log('tfdistill student latency, threaded wasm build (2 threads, own process) ...');
  const script = fileURLToPath(new URL('./latency.ts', import.meta.url));
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, '--threads', '2'], { encoding: 'utf8' });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status === 0 && line.startsWith('{')) threadedLatency = JSON.parse(line) as typeof threadedLatency;
  else log(`threaded latency run failed (exit ${child.status}): ${child.stderr.slice(-500)}`);
}

const python = '/usr/bin/python3';
const torch = args.has('--no-torch')
  ? { ok: false as const, reason: '--no-torch' }
  : runTorchPeer({ script: torchPeerScript(), python, log });
// After the peer has exited (never alongside it): ONNX Runtime's intra-op pool takes every core.
const onnxTeacher = args.has('--no-onnx') ? { ok: false as const, reason: '--no-onnx' } : await measureOnnxTeacher({ plan, python, log });

const strip = <T extends { kdStepS: number; cachedKdStepS: number }>({ kdStepS, cachedKdStepS, ...rest }: T) => rest;
const result = {
  command: ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
  date: new Date().toISOString(),
  backend: info.name,
  quick,
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    node: process.version,
    tfjs: tf.version.tfjs,
    wasmThreads: info.wasmThreads,
    wasmSimd: info.wasmSimd,
  },
  workload,
  replicas,
  ...strip(tfdistill),
  ...(single ? { singleReplica: strip(single) } : {}),
  baseline: strip(baseline),
  overheadVsBaseline: overhead,
  ...(stockBaseline ? { stockKernelBaseline: strip(stockBaseline) } : {}),
  ...(threadedLatency ? { threadedLatency } : {}),
  pytorch: torch,
  /** tfdistill's ONNX teacher: the peer's teacher exported to ONNX, forward pass through `loadOnnxTeacher`. */
  onnxTeacher,
  /**
   * Projected seconds for 3 epochs over 10,000 examples: cached (tfdistill, baseline; tfdistillOnnxTeacher = the cache
   * filled by the ONNX teacher) vs live teacher (PyTorch).
   */
  endToEndJobSeconds: {
    ...JOB,
    tfdistill: jobSeconds(tfdistill),
    ...(single ? { tfdistillSingleReplica: jobSeconds(single) } : {}),
    baseline: jobSeconds(baseline),
    ...(onnxTeacher.ok
      ? { tfdistillOnnxTeacher: jobSeconds({ ...tfdistill, teacherForwardSamplesPerSec: onnxTeacher.teacherForwardSamplesPerSec }) }
      : {}),
    ...(torch.ok ? { pytorch: (JOB.epochs * JOB.examples) / torch.kdStepSamplesPerSec } : {}),
  },
  peakRssMBProcess: Math.round(process.resourceUsage().maxRSS / 1024),
};

printTable(result);
if (threadedLatency) {
  const torchB1 = torch.ok ? torch.studentLatencyMsB1 : undefined;
  console.log(
    `(d) with the threaded wasm build (${threadedLatency.wasmThreads} threads, a process of its own): batch 1 ` +
      `${threadedLatency.studentLatencyMsB1.toFixed(2)} ms${torchB1 ? ` (${(threadedLatency.studentLatencyMsB1 / torchB1).toFixed(2)}x PyTorch's)` : ''}, ` +
      `batch 32 ${threadedLatency.studentLatencyMsB32.toFixed(0)} ms.`,
  );
}
console.log(
  `Library overhead, back-to-back A/B rounds (tfdistill step time with 1 replica / hand-written step time): live teacher ` +
    `${overhead.kdStep.toFixed(3)}, cached ${overhead.cachedKdStep.toFixed(3)}.`,
);
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(dir, { recursive: true });
const text = `${JSON.stringify(result, null, 2)}\n`;
const variant = `${info.wasmThreads && info.wasmThreads > 1 ? `-${info.wasmThreads}threads` : ''}${replicas > 1 ? `-${replicas}replicas` : ''}${quick ? '-quick' : ''}`;
writeFileSync(path.join(dir, `${result.date.slice(0, 10)}-${info.name}${variant}.json`), text);
writeFileSync(path.join(dir, 'latest.json'), text);
log(`wrote bench/results/latest.json`);
