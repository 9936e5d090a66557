import * as tf from '@tensorflow/tfjs';
import { panelDims } from './int8-math.js';
import { applyPrecision } from '../precision.js';
import { int8Linear } from './int8-linear.js';
import { linear } from './ops.js';
import { TfdistillError } from '../../errors.js';

/**
 * How tfdistill layers create and read their variables, dense kernels included: a float32 [k, n] kernel, or in an
 * int8 layer (`quantize --dtype int8`) its packed int8 panel and column scales.
 */

/**
 * TF.js's initializer class (not re-exported by name from @tensorflow/tfjs).
 *
 * @example
 * ```ts
 * const init: Initializer = tf.initializers.zeros();
 * ```
 */
export type Initializer = ReturnType<typeof tf.initializers.zeros>;

/**
 * `addWeight` of the owning layer (it is protected, so layers pass a closure); dtype float32 and trainable unless
 * told otherwise.
 *
 * @example
 * ```ts
 * const add: AddWeight = (name, shape, init, dtype = 'float32', trainable = true) =>
 *   this.addWeight(name, shape, dtype, init, undefined, trainable);
 * ```
 */
export type AddWeight = (
  name: string,
  shape: number[],
  init: Initializer,
  dtype?: 'float32' | 'int32',
  trainable?: boolean,
) => tf.LayerVariable;

/**
 * Reads a variable through the compute-precision policy.
 *
 * @example
 * ```ts
 * const kernel = readWeight(this.kernel); // float16-rounded under setComputePrecision('float16')
 * ```
 */
export function readWeight(v: tf.LayerVariable): tf.Tensor {
  return applyPrecision(v.read());
}

/**
 * A dense layer's kernel as its layer holds it: `kernel` float32 [k, n], or for an int8 layer `panel` (the
 * `packPanel` words, int32 [kPad * nPad / 4], variable `<name>_int8`) and `scales` (float32 [n], `<name>_scale`),
 * neither trainable.
 *
 * @example
 * ```ts
 * const w: DenseKernel = addDenseKernel(add, 'ffn1_kernel', [d, f], glorot, false);
 * ```
 */
export type DenseKernel = { kernel: tf.LayerVariable } | { panel: tf.LayerVariable; scales: tf.LayerVariable; k: number; n: number };

/**
 * The variable names of an int8 dense kernel `<kernel>`: its packed panel and its column scales.
 *
 * @example
 * ```ts
 * int8Names('block_0/ffn1_kernel'); // { panel: 'block_0/ffn1_kernel_int8', scales: 'block_0/ffn1_kernel_scale' }
 * ```
 */
export const int8Names = (kernel: string): { panel: string; scales: string } => ({ panel: `${kernel}_int8`, scales: `${kernel}_scale` });

/**
 * What a variable name is in an int8 layer: the packed panel or the column scales of dense kernel `kernel`, or
 * neither (undefined).
 *
 * @example
 * ```ts
 * int8Role('block_0/ffn1_kernel_scale'); // { role: 'scales', kernel: 'block_0/ffn1_kernel' }
 * ```
 */
export function int8Role(name: string): { role: 'panel' | 'scales'; kernel: string } | undefined {
  const match = /^(.*_kernel)_(int8|scale)$/.exec(name);
  if (match === null) return undefined;
  return { role: match[2] === 'int8' ? 'panel' : 'scales', kernel: match[1] };
}

/**
 * Creates a dense kernel's variables on the owning layer: `name` [k, n] with `init`, or with `int8` the panel and
 * scales (zeros until weights are loaded).
 *
 * @example
 * ```ts
 * this.ffn1Kernel = addDenseKernel(add, 'ffn1_kernel', [d, f], glorot(10), this.blockConfig.int8);
 * ```
 */
export function addDenseKernel(add: AddWeight, name: string, [k, n]: [number, number], init: Initializer, int8: boolean): DenseKernel {
  if (!int8) return { kernel: add(name, [k, n], init) };
  const [kPad, nPad] = panelDims(k, n);
  const zeros = tf.initializers.zeros();
  return {
    panel: add(`${name}_int8`, [(kPad * nPad) / 4], zeros, 'int32', false),
    scales: add(`${name}_scale`, [n], zeros, 'float32', false),
    k,
    n,
  };
}

/**
 * x W + b over the last axis of x, float32 (`linear`) or int8 (`int8Linear`) as the kernel is stored.
 *
 * @example
 * ```ts
 * const hidden = dense(x, this.ffn1Kernel, readWeight(this.ffn1Bias)); // [batch, seq, f]
 * ```
 */
export function dense(x: tf.Tensor, w: DenseKernel, bias?: tf.Tensor): tf.Tensor {
  if ('kernel' in w) return linear(x, readWeight(w.kernel), bias);
  return int8Linear(x, { panel: w.panel.read(), scales: w.scales.read(), k: w.k, n: w.n }, bias);
}

/**
 * The float32 kernel variable of a dense kernel; an int8 one has none (its layer was quantized for inference).
 *
 * @example
 * ```ts
 * floatKernel(block.ffn1Kernel).write(tf.zeros([d, f]));
 * ```
 */
export function floatKernel(w: DenseKernel): tf.LayerVariable {
  if ('kernel' in w) return w.kernel;
  throw new TfdistillError(
    'INVALID_ARGUMENT',
    'this layer holds int8 weights (quantize --dtype int8), which are for inference only',
    'use the float32 checkpoint it was quantized from',
  );
}

/**
 * Throws `INVALID_ARGUMENT` when `model` holds int8 dense kernels (`quantize --dtype int8` output), which only run
 * forward: training, pruning and quantizing need the float32 checkpoint it was made from.
 *
 * @param doing what was asked, for the message (e.g. 'prune')
 * @example
 * ```ts
 * assertFloatWeights(student, 'train'); // before building the optimizer
 * ```
 */
export function assertFloatWeights(model: tf.LayersModel, doing: string): void {
  if (!model.weights.some((w) => int8Role(w.originalName)?.role === 'panel')) return;
  throw new TfdistillError(
    'INVALID_ARGUMENT',
    `cannot ${doing} this model: it holds int8 layers (quantize --dtype int8), which are for inference only`,
    `${doing} the float32 checkpoint it was quantized from`,
  );
}
