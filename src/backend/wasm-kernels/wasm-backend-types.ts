import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * The kernel-function argument every wasm kernel receives. tfjs types `backend` as `{}` so that
 * kernels of any backend share one signature; ours only ever run on the wasm backend.
 *
 * @example
 * ```ts
 * function myKernel({ inputs, backend, attrs }: WasmKernelArgs<'x', { axis: number }>): tf.TensorInfo { ... }
 * ```
 */
export interface WasmKernelArgs<Input extends string = string, Attrs = tf.NamedAttrMap> {
  inputs: Record<Input, tf.TensorInfo>;
  backend: BackendWasm;
  attrs: Attrs;
}

/** A wasm kernel function with its real backend type (inputs and attrs by name). @example `const f: WasmKernelFunc = stock.kernelFunc as WasmKernelFunc;` */
export type WasmKernelFunc = (args: WasmKernelArgs<string, object>) => tf.TensorInfo;

/**
 * Looks up the kernel function currently registered for `kernelName` on wasm.
 * Throws when there is none (the wasm backend package was not imported).
 *
 * @example
 * ```ts
 * const transpose = wasmKernel('Transpose');
 * const xT = transpose({ inputs: { x }, backend, attrs: { perm: [1, 0] } });
 * ```
 */
export function wasmKernel(kernelName: string): WasmKernelFunc {
  const config = tf.getKernel(kernelName, 'wasm');
  if (config === undefined) throw new Error(`tfjs-backend-wasm has no '${kernelName}' kernel registered`);
  return config.kernelFunc as unknown as WasmKernelFunc;
}

/**
 * Releases a kernel temporary made with the wasm backend's own kernels (the same call the stock
 * wasm kernels make for their intermediates).
 *
 * @example
 * ```ts
 * const bT = transpose({ inputs: { x: b }, backend, attrs: { perm } });
 * // ... use bT ...
 * disposeTemp(backend, bT);
 * ```
 */
export function disposeTemp(backend: BackendWasm, info: tf.TensorInfo): void {
  backend.disposeData(info.dataId);
}

/** Emscripten's `cwrap`, which the wasm module has but its published type omits. @example `(backend.wasm as unknown as { cwrap: Cwrap }).cwrap('Sum', null, ['number'])` */
export type Cwrap = (name: string, returnType: null | 'number', argTypes: string[]) => (...args: unknown[]) => unknown;

/**
 * Binds a C++ function exported by the wasm module, as the stock kernels do in their `setupFunc`.
 *
 * @example
 * ```ts
 * const cppTranspose = cwrap(backend, 'Transpose', ['number', 'array', 'number', 'number', 'number', 'array', 'number']);
 * ```
 */
export function cwrap(backend: BackendWasm, name: string, argTypes: string[]): (...args: unknown[]) => unknown {
  return (backend.wasm as unknown as { cwrap: Cwrap }).cwrap(name, null, argTypes);
}
