import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { sharedMemoryFmaKernels, sharedMemoryKernels, singleThreadedFmaKernels, singleThreadedKernels } from './binary.js';
import { simdSwitches } from './switches.js';

/**
 * The functions of `kernels.wat`, instantiated inside a tfjs-backend-wasm module's own memory: arguments are the
 * byte offsets `backend.getMemoryOffset(dataId)` returns, so tensors are read and written in place.
 *
 * @example
 * ```ts
 * const k = simdKernels(backend);
 * k.gelu(backend.getMemoryOffset(x.dataId), backend.getMemoryOffset(out.dataId), size);
 * ```
 */
export interface SimdKernels {
  /** y = x * Phi(x) elementwise over `n` float32s (`y` may equal `x`). */
  gelu(x: number, y: number, n: number): void;
  /** dx = dy * (Phi(x) + x * phi(x)) elementwise over `n` float32s (`dx` may equal `dy`). */
  geluGrad(x: number, dy: number, dx: number, n: number): void;
  /** out[j] = sum over rows of x[row, j], float32 [rows, d] with d a multiple of 4, accumulated row by row. */
  sumRows(x: number, out: number, rows: number, d: number): void;
  /** Layer norm of each row of x [rows, d] (d a multiple of 4) into y, with each row's mean and rstd. */
  layerNorm(x: number, gamma: number, beta: number, y: number, mean: number, rstd: number, rows: number, d: number, epsilon: number): void;
  /** Layer norm backward (d a multiple of 4); `acc64` is scratch for 2d float64s (dgamma and dbeta sums). */
  layerNormGrad(
    dy: number,
    x: number,
    gamma: number,
    mean: number,
    rstd: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    acc64: number,
    rows: number,
    d: number,
  ): void;
  /**
   * y = softmax(x * scale + (1 - keep) * -1e9) row by row over x [rows, cols] (cols a multiple of 4), row r masked
   * by keep row floor(r / rowsPerKeep); `y` may equal `x`.
   */
  maskedSoftmax(x: number, keep: number, y: number, rows: number, cols: number, rowsPerKeep: number, scale: number): void;
  /** y [batch, cols, rows] = x [batch, rows, cols] transposed, 4-byte elements, rows and cols multiples of 4. */
  transpose(x: number, y: number, batch: number, rows: number, cols: number): void;
  /**
   * c [batch, m, n] = a [batch, m, k] b [batch, k, n] (b [batch, n, k] when `bTransposed` is 1), plus `bias` [n]
   * unless it is 0; float32, m a multiple of 4 and n of 8; `panel` is scratch for k * n floats. Rows of a, b, c lie
   * `lda`, `ldb`, `ldc` floats apart and batch i starts `i * strideA`, `strideB`, `strideC` floats in.
   */
  matmul(
    a: number,
    b: number,
    c: number,
    panel: number,
    batch: number,
    m: number,
    k: number,
    n: number,
    bTransposed: number,
    bias: number,
    lda: number,
    ldb: number,
    ldc: number,
    strideA: number,
    strideB: number,
    strideC: number,
  ): void;
  /**
   * Dynamic int8 quantization of each row of float32 x [rows, k] (k a multiple of 8) into int16 q [rows, k] and
   * float32 scales [rows] (`src/models/layers/int8-math.ts` has the math).
   */
  quantizeRows(x: number, q: number, scales: number, rows: number, k: number): void;
  /** As `quantizeRows`, into int8 q [rows, k] and each row's int32 sum of q (`sums` [rows]), for the relaxed matmul. */
  quantizeRowsInt8(x: number, q: number, scales: number, sums: number, rows: number, k: number): void;
  /**
   * c [m, n] float32 = the int8 product of `quantizeRows`' int16 q [m, k] and a packed int8 panel, dequantized by the
   * row scales and the column scales [n], plus `bias` [n] unless it is 0; m a multiple of 4, k of 4, n of 8 (`sums` is
   * unused: the signature is {@link Int8MatMul}'s).
   */
  matmulInt8: Int8MatMul;
  /**
   * One AdamW update of `count` float32 parameters (`scripts/simd/adamw-wat.ts`): reads p, g, m, v and writes p', m',
   * v' (outputs may not alias inputs).
   */
  adamw(
    p: number,
    g: number,
    m: number,
    v: number,
    pOut: number,
    mOut: number,
    vOut: number,
    count: number,
    decay: number,
    beta1: number,
    c1: number,
    beta2: number,
    c2: number,
    bc2Sqrt: number,
    epsilon: number,
    stepSize: number,
  ): void;
}

/**
 * The int8 matmul's signature (both forms): a = the quantized rows, `sums` their row sums (relaxed form only).
 */
export type Int8MatMul = (
  a: number,
  panel: number,
  scaleA: number,
  sums: number,
  scaleB: number,
  bias: number,
  c: number,
  m: number,
  k: number,
  n: number,
) => void;

/** The relaxed-SIMD module's functions: the fused multiply-add matmul and the 8-bit-dot int8 matmul. */
interface RelaxedKernels {
  matmul: SimdKernels['matmul'];
  /** As `matmulInt8`, from `quantizeRowsInt8`'s int8 q and row sums. */
  matmulInt8Relaxed: Int8MatMul;
}

interface EmscriptenModule {
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
}

const instances = new WeakMap<WebAssembly.Memory, SimdKernels>();

/**
 * The backend's WebAssembly.Memory: the threaded build keeps it as `wasmMemory`, the others export it.
 *
 * @example
 * ```ts
 * const shared = memoryOf(backend).buffer instanceof SharedArrayBuffer; // the threaded build
 * ```
 */
export function memoryOf(backend: BackendWasm): WebAssembly.Memory {
  const module = backend.wasm as unknown as EmscriptenModule;
  const memory = module.wasmMemory ?? module.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new Error('tfjs-backend-wasm does not expose its WebAssembly.Memory (not 4.22?)');
  return memory;
}

const decode = (base64: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

/**
 * The kernels' module bytes for a memory of this kind (shared: the threaded build's); with `fma`, the relaxed-SIMD
 * module (fused multiply-add matmul, 8-bit-dot int8 matmul).
 *
 * @example
 * ```ts
 * new WebAssembly.Module(kernelBytes(true));
 * ```
 */
export const kernelBytes = (shared: boolean, fma = false): Uint8Array<ArrayBuffer> =>
  decode(fma ? (shared ? sharedMemoryFmaKernels : singleThreadedFmaKernels) : shared ? sharedMemoryKernels : singleThreadedKernels);

/**
 * Whether this engine accepts relaxed SIMD, so matmuls can use fused multiply-adds: V8 12 (Node 22, Chrome 114) and
 * later by default; Node 20 once `--experimental-wasm-relaxed-simd` is set (`useBackend('wasm')` sets it).
 *
 * @example
 * ```ts
 * if (!relaxedSimdAvailable()) console.log('matmuls multiply, then add');
 * ```
 */
export const relaxedSimdAvailable = (): boolean => WebAssembly.validate(kernelBytes(false, true));

type MatMul = SimdKernels['matmul'];
const relaxedInstances = new WeakMap<WebAssembly.Memory, RelaxedKernels | null>();

/** The relaxed-SIMD kernels on `memory`, or null where the engine rejects relaxed SIMD (decided once per memory). */
function relaxedKernels(memory: WebAssembly.Memory): RelaxedKernels | null {
  let relaxed = relaxedInstances.get(memory);
  if (relaxed === undefined) {
    relaxed = relaxedSimdAvailable() ? (instantiate(kernelBytes(isShared(memory), true), memory) as unknown as RelaxedKernels) : null;
    relaxedInstances.set(memory, relaxed);
  }
  return relaxed;
}

/**
 * The matmul kernel to run on `backend`'s memory: the relaxed-SIMD one while `simdSwitches.fma` is on and the
 * engine accepts it (decided once per memory, at first use), else the plain SIMD one.
 *
 * @example
 * ```ts
 * matMulKernel(backend)(a, b, c, panel, 1, 128, 128, 384, 0, 0, 128, 384, 384, 0, 0, 0);
 * ```
 */
export function matMulKernel(backend: BackendWasm): MatMul {
  if (!simdSwitches.fma) return simdKernels(backend).matmul;
  return relaxedKernels(memoryOf(backend))?.matmul ?? simdKernels(backend).matmul;
}

/**
 * The relaxed-SIMD int8 matmul on `backend`'s memory, or null where the engine rejects relaxed SIMD.
 *
 * @example
 * ```ts
 * const relaxed = relaxedInt8MatMul(backend); // null on an engine without relaxed SIMD
 * ```
 */
export function relaxedInt8MatMul(backend: BackendWasm): Int8MatMul | null {
  return relaxedKernels(memoryOf(backend))?.matmulInt8Relaxed ?? null;
}

/**
 * Whether `memory` is shared (a SharedArrayBuffer: tfjs-backend-wasm's threaded build).
 *
 * @example
 * ```ts
 * if (isShared(memoryOf(backend))) startHelper();
 * ```
 */
export const isShared = (memory: WebAssembly.Memory): boolean =>
  typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
const instantiate = (bytes: Uint8Array<ArrayBuffer>, memory: WebAssembly.Memory): SimdKernels =>
  new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as SimdKernels;

/**
 * Compiles and instantiates the kernels for `backend`'s memory asynchronously (with the relaxed-SIMD matmul when
 * `fma` and the engine accepts it), so that {@link simdKernels} and {@link matMulKernel} find them ready. A browser's
 * main thread refuses to compile modules over 4 KB synchronously, so the web backend calls this before registering
 * the kernels; Node does not need to.
 *
 * @example
 * ```ts
 * await prepareSimdKernels(tf.backend() as BackendWasm);
 * registerWasmKernels();
 * ```
 */
export async function prepareSimdKernels(backend: BackendWasm, fma = true): Promise<void> {
  const memory = memoryOf(backend);
  const shared = isShared(memory);
  const instantiateAsync = async (bytes: Uint8Array<ArrayBuffer>): Promise<SimdKernels> =>
    (await WebAssembly.instantiate(await WebAssembly.compile(bytes), { env: { memory } })).exports as unknown as SimdKernels;
  if (!instances.has(memory)) instances.set(memory, await instantiateAsync(kernelBytes(shared)));
  if (fma && !relaxedInstances.has(memory)) {
    relaxedInstances.set(
      memory,
      relaxedSimdAvailable() ? ((await instantiateAsync(kernelBytes(shared, true))) as unknown as RelaxedKernels) : null,
    );
  }
}

/**
 * The SIMD kernels bound to `backend`'s memory, instantiated on first use and cached per memory. Compilation is
 * synchronous (the module is ~7 KB): fine in Node, where `useBackend` registers these kernels; a browser main
 * thread refuses synchronous compilation of modules over 4 KB, so there {@link prepareSimdKernels} runs first.
 *
 * @example
 * ```ts
 * simdKernels(tf.backend() as BackendWasm).gelu(xOffset, yOffset, n);
 * ```
 */
export function simdKernels(backend: BackendWasm): SimdKernels {
  const memory = memoryOf(backend);
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    kernels = instantiate(kernelBytes(isShared(memory)), memory);
    instances.set(memory, kernels);
  }
  return kernels;
}
