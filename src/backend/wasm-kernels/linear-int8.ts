import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addWasmKernels } from './override.js';
import { memoryOf, relaxedInt8MatMul, simdKernels } from './simd/instance.js';
import { simdSwitches } from './simd/switches.js';
import { disposeTemp, type WasmKernelArgs } from './wasm-backend-types.js';

/**
 * The int8 dense layer on wasm: y = x W + b with x quantized per row at run time and W stored as packed int8 columns
 * (`src/models/layers/int8-math.ts` has the math and the panel layout), as two SIMD kernels: the row quantizer into a
 * scratch, then the int8 matmul (int32 sums, dequantized and biased as each tile is stored). Two forms give the same
 * sums: int16 activations with `i32x4.dot_i16x8_s`, or int8 activations with relaxed SIMD's 8-bit dot (one VNNI
 * instruction per 16 products where the engine lowers it so: Chrome 156 here, ~2.5x the int16 form). `int8Form`
 * chooses, after checking the relaxed form's sums on this engine. Inference only: the kernel has no gradient. The
 * tfjs-facing op is `int8Linear` in `../../models/layers/int8-linear.ts`.
 */

/**
 * Kernel name (registered for wasm only).
 *
 * @example
 * ```ts
 * tf.getKernel(int8LinearKernelName, 'wasm') !== undefined; // true after useBackend('wasm')
 * ```
 */
export const int8LinearKernelName = 'TfdLinearInt8';

const size = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);

/**
 * Whether `int8Linear` can run as the wasm kernel here: on wasm with the kernel registered, float32 x [..., k] with k
 * a multiple of 8 and rows (the product of the leading axes) a multiple of 4, n a multiple of 8.
 *
 * @example
 * ```ts
 * if (int8LinearKernelTakes(x, n)) y = tf.engine().runKernel(int8LinearKernelName, { x, panel, scales }, { n }) as tf.Tensor;
 * ```
 */
export function int8LinearKernelTakes(x: tf.Tensor, n: number): boolean {
  if (tf.getBackend() !== 'wasm' || tf.getKernel(int8LinearKernelName, 'wasm') === undefined) return false;
  const k = x.shape[x.rank - 1];
  return x.dtype === 'float32' && x.rank >= 2 && k % 8 === 0 && size(x.shape) > 0 && (size(x.shape) / k) % 4 === 0 && n % 8 === 0;
}

/** What each backend memory found out about the relaxed form: whether its sums are exact, and whether it is faster. */
const probed = new WeakMap<WebAssembly.Memory, { exact: boolean; faster: boolean }>();

/**
 * The int8 form to run on `backend`. The relaxed form needs relaxed SIMD and must pass a probe, run once per backend
 * memory on the same patterned 128 x 256 x 128 product:
 *  - its outputs must equal the int16 form's exactly, on the first call and after the timing runs (V8 11.3, Node 20's
 *    engine, returns twice the right value from `i32x4.relaxed_dot_i8x16_i7x16_add_s` on x64 in its baseline code);
 *  - under `simdSwitches.int8 = 'auto'` it must also run at least 10% faster (best of 4 interleaved blocks of 10
 *    calls, ~10 ms in all). 'int16' always takes the int16 form.
 *
 * @example
 * ```ts
 * const relaxed = int8Form(backend) === 'relaxed';
 * ```
 */
export function int8Form(backend: BackendWasm): 'int16' | 'relaxed' {
  if (simdSwitches.int8 === 'int16' || relaxedInt8MatMul(backend) === null) return 'int16';
  const memory = memoryOf(backend);
  let probe = probed.get(memory);
  if (probe === undefined) {
    probe = probeRelaxed(backend);
    probed.set(memory, probe);
  }
  return probe.exact && (simdSwitches.int8 === 'relaxed' || probe.faster) ? 'relaxed' : 'int16';
}

/** Runs both forms on the same patterned inputs: are the relaxed outputs exact, and is it faster? */
function probeRelaxed(backend: BackendWasm): { exact: boolean; faster: boolean } {
  const [m, k, n] = [128, 256, 128];
  const temps = [
    backend.makeOutput([m, k], 'float32'), // x
    backend.makeOutput([(m * k) / 2], 'int32'), // q (int16 or int8 values)
    backend.makeOutput([(k * n) / 4], 'int32'), // panel
    backend.makeOutput([m], 'float32'), // row scales
    backend.makeOutput([m], 'int32'), // row sums
    backend.makeOutput([n], 'float32'), // column scales
    backend.makeOutput([m, n], 'float32'), // int16 form's output
    backend.makeOutput([m, n], 'float32'), // relaxed form's output
  ];
  const [xAt, qAt, panelAt, scalesAt, sumsAt, tAt, out16At, out8At] = temps.map((t) => backend.getMemoryOffset(t.dataId));
  const buffer = memoryOf(backend).buffer;
  new Float32Array(buffer, xAt, m * k).set(Float32Array.from({ length: m * k }, (_, i) => ((i * 37) % 101) - 50));
  new Int8Array(buffer, panelAt, k * n).set(Int8Array.from({ length: k * n }, (_, i) => ((i * 29) % 127) - 63));
  new Float32Array(buffer, tAt, n).fill(1);
  const plain = simdKernels(backend);
  const relaxed = relaxedInt8MatMul(backend) as NonNullable<ReturnType<typeof relaxedInt8MatMul>>;
  const runs = {
    int16: () => {
      plain.quantizeRows(xAt, qAt, scalesAt, m, k);
      plain.matmulInt8(qAt, panelAt, scalesAt, 0, tAt, 0, out16At, m, k, n);
    },
    relaxed: () => {
      plain.quantizeRowsInt8(xAt, qAt, scalesAt, sumsAt, m, k);
      relaxed(qAt, panelAt, scalesAt, sumsAt, tAt, 0, out8At, m, k, n);
    },
  };
  const best = { int16: Infinity, relaxed: Infinity };
  const same = () => {
    const [a, b] = [new Float32Array(buffer, out16At, m * n), new Float32Array(buffer, out8At, m * n)];
    return a.every((v, i) => v === b[i]);
  };
  try {
    // Checked on the first call (V8's baseline code) and after the timing runs (optimized code): V8 11.3's baseline
    // compiler gets the relaxed dot wrong, its optimizing one right.
    runs.int16();
    runs.relaxed();
    let exact = same();
    // Blocks of 10 calls (~1 ms): browsers coarsen performance.now() to 0.1 ms.
    for (let round = 0; round < 4; round++) {
      for (const form of ['int16', 'relaxed'] as const) {
        const t0 = performance.now();
        for (let i = 0; i < 10; i++) runs[form]();
        best[form] = Math.min(best[form], performance.now() - t0);
      }
    }
    exact &&= same();
    return { exact, faster: best.relaxed < 0.9 * best.int16 };
  } finally {
    for (const t of temps) disposeTemp(backend, t);
  }
}

type Int8LinearArgs = WasmKernelArgs<'x' | 'panel' | 'scales' | 'bias', { n: number }>;

function int8LinearKernel({ inputs: { x, panel, scales, bias }, backend, attrs: { n } }: Int8LinearArgs): tf.TensorInfo {
  const k = x.shape[x.shape.length - 1];
  const rows = size(x.shape) / k;
  const relaxed = int8Form(backend) === 'relaxed';
  const out = backend.makeOutput([...x.shape.slice(0, -1), n], 'float32');
  const q = backend.makeOutput([(rows * k) / (relaxed ? 4 : 2)], 'int32'); // int8 or int16 values, packed
  const rowScales = backend.makeOutput([rows], 'float32');
  const rowSums = backend.makeOutput([rows], 'int32');
  const at = (t: tf.TensorInfo) => backend.getMemoryOffset(t.dataId);
  try {
    const kernels = simdKernels(backend);
    const biasAt = bias === undefined ? 0 : at(bias);
    if (relaxed) {
      kernels.quantizeRowsInt8(at(x), at(q), at(rowScales), at(rowSums), rows, k);
      (relaxedInt8MatMul(backend) as NonNullable<ReturnType<typeof relaxedInt8MatMul>>)(
        at(q),
        at(panel),
        at(rowScales),
        at(rowSums),
        at(scales),
        biasAt,
        at(out),
        rows,
        k,
        n,
      );
    } else {
      kernels.quantizeRows(at(x), at(q), at(rowScales), rows, k);
      kernels.matmulInt8(at(q), at(panel), at(rowScales), 0, at(scales), biasAt, at(out), rows, k, n);
    }
    return out;
  } finally {
    for (const t of [q, rowScales, rowSums]) disposeTemp(backend, t);
  }
}

/**
 * Registers the kernel for wasm (idempotent).
 *
 * @example
 * ```ts
 * registerInt8LinearKernel();
 * ```
 */
export function registerInt8LinearKernel(): void {
  addWasmKernels({ [int8LinearKernelName]: int8LinearKernel });
}
