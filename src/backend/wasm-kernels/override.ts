import * as tf from '@tensorflow/tfjs';
import type { WasmKernelFunc } from './wasm-backend-types.js';

/**
 * One replaced tfjs-backend-wasm kernel: installing it swaps tfdistill's function in for the stock one (keeping the
 * stock `setupFunc`, which binds the C++ functions a delegating kernel may call), restoring puts the stock one back.
 *
 * @example
 * ```ts
 * const sum = wasmKernelOverride('Sum', fastSum);
 * sum.install();            // idempotent
 * sum.stock()(args);        // delegate a case the override does not handle
 * sum.restore();            // benchmarks and tests compare against stock
 * ```
 */
export interface WasmKernelOverride {
  /** Registers the override (idempotent). Throws when tfjs-backend-wasm is not loaded. */
  install(): void;
  /** Puts the stock kernel back (idempotent; a no-op before `install`). */
  restore(): void;
  /** The stock kernel function, for cases the override hands back. Throws before `install`. */
  stock(): WasmKernelFunc;
  /** Whether the override is the kernel registered for wasm now. */
  installed(): boolean;
}

/**
 * Makes the {@link WasmKernelOverride} for `kernelName` with `kernelFunc` (typed with its real inputs and attrs).
 *
 * @example
 * ```ts
 * const gather = wasmKernelOverride('GatherV2', gatherV2);
 * export const installGatherOverride = (): void => gather.install();
 * ```
 */
export function wasmKernelOverride<Args>(
  kernelName: string,
  kernelFunc: (args: Args) => tf.TensorInfo | tf.TensorInfo[],
): WasmKernelOverride {
  const ours = kernelFunc as unknown as tf.KernelFunc;
  let stockKernel: tf.KernelConfig | undefined;
  return {
    install() {
      const current = tf.getKernel(kernelName, 'wasm');
      if (current === undefined) throw new Error(`tfjs-backend-wasm is not loaded: no ${kernelName} kernel to override`);
      if (current.kernelFunc === ours) return;
      stockKernel = current;
      tf.unregisterKernel(kernelName, 'wasm');
      tf.registerKernel({ kernelName, backendName: 'wasm', setupFunc: current.setupFunc, kernelFunc: ours });
    },
    restore() {
      if (stockKernel === undefined || tf.getKernel(kernelName, 'wasm')?.kernelFunc === stockKernel.kernelFunc) return;
      tf.unregisterKernel(kernelName, 'wasm');
      tf.registerKernel(stockKernel);
    },
    stock() {
      if (stockKernel === undefined) throw new Error(`wasm ${kernelName} override used before it was installed`);
      return stockKernel.kernelFunc as unknown as WasmKernelFunc;
    },
    installed() {
      return tf.getKernel(kernelName, 'wasm')?.kernelFunc === ours;
    },
  };
}

/**
 * Registers kernels tfjs-backend-wasm does not have (tfdistill's own names, or stock names it lacks), by name;
 * a name already registered for wasm is left as it is (idempotent).
 *
 * @example
 * ```ts
 * addWasmKernels({ TfdGelu: gelu, TfdGeluGrad: geluGrad });
 * ```
 */
export function addWasmKernels(kernels: Record<string, (args: never) => tf.TensorInfo | tf.TensorInfo[]>): void {
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    if (tf.getKernel(kernelName, 'wasm') !== undefined) continue;
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}
