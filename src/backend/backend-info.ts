/**
 * The backends `useBackend` can load. `auto` picks the fastest one that loads, in this order.
 *
 * | name             | package                     | tf.getBackend() |
 * |------------------|-----------------------------|-----------------|
 * | `tensorflow-gpu` | `@tensorflow/tfjs-node-gpu` | `tensorflow`    |
 * | `tensorflow`     | `@tensorflow/tfjs-node`     | `tensorflow`    |
 * | `wasm`           | `@tensorflow/tfjs-backend-wasm` (bundled) | `wasm` |
 * | `cpu`            | `@tensorflow/tfjs` (pure JS, slow)        | `cpu`  |
 *
 * @example
 * ```ts
 * const name: BackendName = process.env.TFDISTILL_BACKEND as BackendName ?? 'auto';
 * ```
 */
export type BackendName = 'auto' | ConcreteBackendName;

/** A backend `auto` can resolve to. @example `const chosen: ConcreteBackendName = info.name;` */
export type ConcreteBackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** Every accepted `BackendName`, in `auto`'s order of preference after `auto` itself. @example `backendNames.includes(arg)` */
export const backendNames: readonly BackendName[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/**
 * What `useBackend` loaded and why.
 *
 * @example
 * ```ts
 * const info = await useBackend('auto');
 * console.log(`${info.name}${info.gpu ? ' (GPU)' : ''}: ${info.notes.join('; ')}`);
 * ```
 */
export interface BackendInfo {
  /** The backend in use (for both TensorFlow packages `tf.getBackend()` says `tensorflow`). */
  name: ConcreteBackendName;
  /** What the caller asked for. */
  requested: BackendName;
  /** True only when TensorFlow reports that it runs ops on a CUDA device. */
  gpu: boolean;
  /** wasm only: whether the SIMD binary was loaded. */
  wasmSimd?: boolean;
  /** wasm only: threads of the XNNPACK pool (1 unless started with `wasmThreads`). */
  wasmThreads?: number;
  /** wasm only: whether matmuls use relaxed SIMD's fused multiply-add (see `UseBackendOptions.wasmRelaxedSimd`). */
  wasmFma?: boolean;
  /** Version of `@tensorflow/tfjs` (e.g. `4.22.0`). */
  tfjsVersion: string;
  /** Human-readable reasons: which backends were skipped and why, which kernels were patched. */
  notes: string[];
}

/**
 * Loads a module by specifier, like `(s) => import(s)`. Injectable so tests can stand in a fake
 * `@tensorflow/tfjs-node-gpu`.
 *
 * @example
 * ```ts
 * const importModule: ModuleImporter = (s) => import(s);
 * ```
 */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/**
 * Options for `useBackend`.
 *
 * @example
 * ```ts
 * await useBackend('auto', { importModule: (s) => import(s) });
 * ```
 */
export interface UseBackendOptions {
  /** How the optional `@tensorflow/tfjs-node(-gpu)` packages are imported. Default: dynamic `import()`. */
  importModule?: ModuleImporter;
  /**
   * wasm only: start tfjs-backend-wasm's threaded-SIMD build with this many XNNPACK threads (1-8; default 1).
   * Only matmuls use the pool. It pays on an idle multi-core machine and can cost on a busy one (the threads
   * wait for each other); measure with `npm run bench -- --threads N`. Fixed for the life of the process.
   */
  wasmThreads?: number;
  /**
   * wasm only: let tfdistill's SIMD matmul use relaxed SIMD's fused multiply-add where the engine has it (default
   * true; ~1.35x faster matmuls here). On Node 20 this sets V8's `--experimental-wasm-relaxed-simd` for the
   * process. A fused multiply-add rounds once where multiply-then-add rounds twice, and relaxed SIMD lets an engine
   * pick either per CPU, so `false` is for results that must match bit for bit across machines.
   */
  wasmRelaxedSimd?: boolean;
}
