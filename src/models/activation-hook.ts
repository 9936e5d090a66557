import type * as tf from '@tensorflow/tfjs';
import { applyPrecision } from './precision.js';

/**
 * A function that sees (and may replace) the output of every tfdistill layer, by layer name. Used to observe
 * activation ranges (int8 calibration) and to fake-quantize activations; it runs inside the layer's `tf.tidy`,
 * so the tensor it returns is kept and anything else it creates is freed.
 *
 * @example
 * ```ts
 * const observe: ActivationHook = (layer, x) => { console.log(layer, x.shape); return x; };
 * ```
 */
export type ActivationHook = (layerName: string, x: tf.Tensor) => tf.Tensor;

let hook: ActivationHook | undefined;

/**
 * Installs (or with `undefined` removes) the module-wide activation hook. Prefer {@link withActivationHook},
 * which always removes it again.
 *
 * @example
 * ```ts
 * setActivationHook((layer, x) => x);
 * setActivationHook(undefined);
 * ```
 */
export function setActivationHook(next: ActivationHook | undefined): void {
  hook = next;
}

/**
 * Runs `fn` with `next` installed as the activation hook, restoring the previous hook afterwards (also when `fn`
 * throws or its promise rejects).
 *
 * @example
 * ```ts
 * const logits = withActivationHook((layer, x) => x, () => model.predict(ids) as tf.Tensor);
 * ```
 */
export function withActivationHook<T>(next: ActivationHook, fn: () => T): T {
  const previous = hook;
  hook = next;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    hook = previous;
    throw e;
  }
  if (result instanceof Promise)
    return result.finally(() => {
      hook = previous;
    }) as T;
  hook = previous;
  return result;
}

/**
 * What a layer returns at its output boundary: the value through the compute-precision policy
 * ({@link applyPrecision}), then through the activation hook when one is installed. Layers call this on their
 * main output (not on weights, and not on attention probabilities that only serve as distillation targets).
 *
 * @example
 * ```ts
 * return layerOutput(this.name, linear(x, kernel, bias)); // [batch, units]
 * ```
 */
export function layerOutput<T extends tf.Tensor>(layerName: string, x: T): T {
  const y = applyPrecision(x);
  return hook ? (hook(layerName, y) as T) : y;
}
