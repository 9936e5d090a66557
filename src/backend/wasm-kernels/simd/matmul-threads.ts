import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { isShared, kernelBytes, matMulKernel, memoryOf, relaxedSimdAvailable } from './instance.js';
import { simdSwitches } from './switches.js';

/**
 * A second thread for the SIMD matmul kernel when tfjs-backend-wasm runs its threaded build. That build's memory is
 * a SharedArrayBuffer, so a worker thread can instantiate the kernels on the same memory and compute half of a
 * matmul in place while the calling thread computes the other half (XNNPACK's own pool only serves XNNPACK).
 * Hand-off is through a shared control block: both sides spin briefly on it before sleeping in `Atomics.wait` (a
 * wake-up from sleep costs ~0.1-1 ms on a VM, as much as a batch-1 matmul), and only matmuls of at least
 * `minSplitMacs` multiply-adds are split. The worker is started with the backend (`startMatMulHelper`, which
 * `useBackend('wasm', { wasmThreads })` calls in Node and `useWebBackend` in a cross-origin isolated page); this file
 * holds no platform code: the caller passes a {@link SpawnHelper} that starts a Node or a Web worker.
 */

/** The `matmul` kernel's arguments, in its parameter order (see `SimdKernels.matmul`). */
export interface MatMulCall {
  a: number;
  b: number;
  c: number;
  panel: number;
  batch: number;
  m: number;
  k: number;
  n: number;
  bTransposed: number;
  bias: number;
  lda: number;
  ldb: number;
  ldc: number;
  strideA: number;
  strideB: number;
  strideC: number;
}

/**
 * The strides of dense row-major operands: lda = k, ldb = n (k when b is transposed), ldc = n; batches m k, k n,
 * m n apart.
 *
 * @example
 * ```ts
 * runMatMul(backend, { a, b, c, panel, batch: 1, m, k, n, bTransposed: 0, bias: 0, ...denseLayout(m, k, n, false) });
 * ```
 */
export function denseLayout(
  m: number,
  k: number,
  n: number,
  bTransposed: boolean,
): Pick<MatMulCall, 'lda' | 'ldb' | 'ldc' | 'strideA' | 'strideB' | 'strideC'> {
  return { lda: k, ldb: bTransposed ? k : n, ldc: n, strideA: m * k, strideB: k * n, strideC: m * n };
}

/**
 * Matmuls below this many multiply-adds run on the calling thread alone.
 *
 * @example
 * ```ts
 * const split = 128 * 128 * 384 >= minSplitMacs; // the batch-1 QKV projection is split
 * ```
 */
export const minSplitMacs = 1 << 24;

// Control block: Int32 [state, ready], then Uint32 [...call]. state 0 = idle, 1 = job posted, 2 = job done,
// -1 = the worker failed; ready turns 1 once the worker has instantiated the kernels (until then, and forever if
// that fails, matmuls run on the calling thread alone).
const IDLE = 0;
const POSTED = 1;
const DONE = 2;
const FAILED = -1;
/** How long either side spins before sleeping: a futex wake-up costs ~0.1-1 ms on a VM, a batch-1 matmul ~0.2 ms. */
const SPIN_MS = 0.2;
const FIELDS = [
  'a',
  'b',
  'c',
  'panel',
  'batch',
  'm',
  'k',
  'n',
  'bTransposed',
  'bias',
  'lda',
  'ldb',
  'ldc',
  'strideA',
  'strideB',
  'strideC',
] as const;

/**
 * The helper's loop, as source text: a Node worker or a Web Worker runs it once `memory` (the backend's shared
 * memory), `bytes` (the kernels' module) and `control` (the control block) are in scope; each platform's
 * {@link SpawnHelper} adds the lines that bring them in. A browser's main thread may not sleep in `Atomics.wait`,
 * but a worker may, so the helper sleeps there on both platforms.
 *
 * @example
 * ```ts
 * new Worker(`const { memory, bytes, control } = require('node:worker_threads').workerData;\n${HELPER_LOOP}`, { eval: true, workerData });
 * ```
 */
export const HELPER_LOOP = `
const kernels = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
const state = new Int32Array(control, 0, 2);
const call = new Uint32Array(control, 8, ${FIELDS.length});
Atomics.store(state, 1, 1);
for (;;) {
  // Spin up to ${SPIN_MS} ms for the next job (a forward pass posts one every few hundred us), then sleep.
  let s = Atomics.load(state, 0);
  for (const start = performance.now(); s !== ${POSTED} && performance.now() - start < ${SPIN_MS};) {
    for (let i = 0; i < 256 && s !== ${POSTED}; i++) s = Atomics.load(state, 0);
  }
  for (; s !== ${POSTED}; s = Atomics.load(state, 0)) Atomics.wait(state, 0, s);
  try {
    kernels.matmul(...call);
    Atomics.store(state, 0, ${DONE});
  } catch (error) {
    Atomics.store(state, 0, ${FAILED});
    Atomics.notify(state, 0);
    throw error;
  }
  Atomics.notify(state, 0);
}
`;

/**
 * Starts a worker running {@link HELPER_LOOP} with these three values (the backend's shared memory, the kernels'
 * module bytes, the control block), without keeping the process alive for it.
 *
 * @example
 * ```ts
 * const spawn: SpawnHelper = (data) => new Worker(blobUrlOf(webPrelude + HELPER_LOOP)).postMessage(data);
 * ```
 */
export type SpawnHelper = (data: { memory: WebAssembly.Memory; bytes: Uint8Array; control: SharedArrayBuffer }) => void;

/** False once `Atomics.wait` refused to run here (a browser's main thread): from then on the caller spins. */
let canSleep = true;
function waitOrSpin(state: Int32Array): void {
  try {
    Atomics.wait(state, 0, POSTED);
  } catch {
    canSleep = false;
  }
}

interface Helper {
  state: Int32Array;
  call: Uint32Array;
}
let splits = 0;

/**
 * How many matmuls have been split across the helper thread in this process (tests check the split happens).
 *
 * @example
 * ```ts
 * const before = splitMatMuls(); tf.matMul(a, b); splitMatMuls() > before; // on the threaded build
 * ```
 */
export const splitMatMuls = (): number => splits;
const helpers = new WeakMap<WebAssembly.Memory, Helper | null>();

/**
 * Whether a helper thread serves this backend's memory, so a SIMD matmul needs room for two panels.
 *
 * @example
 * ```ts
 * const panel = backend.makeOutput([(hasMatMulHelper(backend) ? 2 : 1) * k * n], 'float32');
 * ```
 */
export const hasMatMulHelper = (backend: BackendWasm): boolean => (helpers.get(memoryOf(backend)) ?? null) !== null;

/**
 * Starts the helper thread for this backend (threaded build, `threads` > 1) with `spawn` and waits until it is ready
 * (at most `timeoutMs`), so the first matmuls are split too. Resolves whether a helper runs; without one, matmuls run
 * on the calling thread.
 *
 * @example
 * ```ts
 * await startMatMulHelper(tf.backend() as BackendWasm, spawnNodeHelper); // true on the threaded build
 * ```
 */
export async function startMatMulHelper(backend: BackendWasm, spawn: SpawnHelper, timeoutMs = 10_000): Promise<boolean> {
  const memory = memoryOf(backend);
  let helper = helpers.get(memory);
  if (helper === undefined) {
    helper = null;
    if (isShared(memory)) {
      const control = new SharedArrayBuffer(4 * (2 + FIELDS.length));
      const bytes = kernelBytes(true, simdSwitches.fma && relaxedSimdAvailable());
      spawn({ memory, bytes, control });
      helper = { state: new Int32Array(control, 0, 2), call: new Uint32Array(control, 8, FIELDS.length) };
    }
    helpers.set(memory, helper);
  }
  for (const start = Date.now(); helper !== null && Atomics.load(helper.state, 1) !== 1 && Date.now() - start < timeoutMs; ) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return helper !== null && Atomics.load(helper.state, 1) === 1;
}

/**
 * Runs the SIMD `matmul` kernel, split over the calling thread and the helper thread when the backend's memory is
 * shared, `threads` > 1 and the matmul is big enough: by batch when there are several, else by rows (multiples of
 * 4). `call.panel` must have room for two panels (2 k n floats); each thread packs its own.
 *
 * @example
 * ```ts
 * runMatMul(backend, { a, b, c, panel, batch: 1, m: 128, k: 128, n: 384, bTransposed: 0, bias: 0, ...denseLayout(128, 128, 384, false) });
 * ```
 */
export function runMatMul(backend: BackendWasm, call: MatMulCall): void {
  const matmul = matMulKernel(backend);
  const helper = call.batch * call.m * call.k * call.n >= minSplitMacs ? (helpers.get(memoryOf(backend)) ?? null) : null;
  const byBatch = call.batch > 1;
  const units = byBatch ? call.batch : call.m / 4;
  if (helper === null || units < 2 || Atomics.load(helper.state, 1) !== 1) {
    matmul(...(FIELDS.map((f) => call[f]) as Parameters<typeof matmul>));
    return;
  }
  // The helper takes the second half: batches [half, batch) or rows [4 * half, m), with the second panel.
  const half = units >> 1;
  const [aStride, bStride, cStride] = byBatch ? [call.strideA * 4, call.strideB * 4, call.strideC * 4] : [16 * call.lda, 0, 16 * call.ldc];
  const theirs: MatMulCall = {
    ...call,
    a: call.a + half * aStride,
    b: call.b + half * bStride,
    c: call.c + half * cStride,
    panel: call.panel + call.k * call.n * 4,
    batch: byBatch ? call.batch - half : 1,
    m: byBatch ? call.m : call.m - 4 * half,
  };
  FIELDS.forEach((f, i) => {
    helper.call[i] = theirs[f];
  });
  splits++;
  Atomics.store(helper.state, 0, POSTED);
  Atomics.notify(helper.state, 0);
  const ours: MatMulCall = { ...call, batch: byBatch ? half : 1, m: byBatch ? call.m : 4 * half };
  matmul(...(FIELDS.map((f) => ours[f]) as Parameters<typeof matmul>));
  let s = Atomics.load(helper.state, 0);
  for (const start = performance.now(); s === POSTED && performance.now() - start < SPIN_MS; ) {
    for (let i = 0; i < 256 && s === POSTED; i++) s = Atomics.load(helper.state, 0);
  }
  for (; s === POSTED; s = Atomics.load(helper.state, 0)) if (canSleep) waitOrSpin(helper.state);
  const outcome = Atomics.load(helper.state, 0);
  Atomics.store(helper.state, 0, IDLE);
  if (outcome === FAILED) {
    helpers.set(memoryOf(backend), null);
    throw new Error('the SIMD matmul helper thread failed; later matmuls run on one thread');
  }
}
