import * as tf from '@tensorflow/tfjs';
import { require_ } from '../errors.js';

/**
 * A learned linear map from the student's hidden width to the teacher's (TinyBERT's W_h), trained
 * together with the student and saved with it.
 *
 * @example
 * ```ts
 * const proj: Projection = createProjection(256, 768, 'hidden_proj');
 * const h = proj.apply(studentHidden); // [batch, seq, 768]
 * ```
 */
export interface Projection {
  readonly name: string;
  readonly studentDim: number;
  readonly teacherDim: number;
  /** `${name}/kernel`, [studentDim, teacherDim]. */
  readonly kernel: tf.Variable;
  /** `${name}/bias`, [teacherDim]. */
  readonly bias: tf.Variable;
  /** `[kernel, bias]`: add these to the optimizer's var list and to the checkpoint. */
  readonly variables: tf.Variable[];
  /** x [..., studentDim] -> x W + b [..., teacherDim]. */
  apply(x: tf.Tensor): tf.Tensor;
  /** Frees both variables (their names become available again). */
  dispose(): void;
}

/**
 * What a shape check needs of a {@link Projection}: its name and the widths it maps (no variables).
 */
export type ProjectionShape = Pick<Projection, 'name' | 'studentDim' | 'teacherDim'>;

/**
 * Creates a trainable projection (Jiao et al. 2020, "TinyBERT", eq. 8: MSE(H_S W_h, H_T)).
 * Kernel: Glorot-uniform with `seed`; bias: zeros. Variable names must be unique in the process.
 *
 * @example
 * ```ts
 * const proj = createProjection(256, 768, 'distill/hidden_proj');
 * const loss = hiddenMSE(studentHidden, teacherHidden, { projection: proj, mask });
 * optimizer.minimize(() => loss, false, [...studentVars, ...proj.variables]);
 * ```
 */
export function createProjection(studentDim: number, teacherDim: number, name: string, options: { seed?: number } = {}): Projection {
  require_(Number.isInteger(studentDim) && studentDim > 0, `studentDim must be a positive integer, got ${studentDim}`);
  require_(Number.isInteger(teacherDim) && teacherDim > 0, `teacherDim must be a positive integer, got ${teacherDim}`);
  require_(typeof name === 'string' && name.length > 0, 'projection name must be a non-empty string');
  const init = tf.initializers.glorotUniform({ seed: options.seed ?? 0 });
  // tf.variable shares its initial tensor's data but does not take ownership of the tensor itself.
  const kernel = tf.tidy(() => tf.variable(init.apply([studentDim, teacherDim]), true, `${name}/kernel`));
  const bias = tf.tidy(() => tf.variable(tf.zeros([teacherDim]), true, `${name}/bias`));
  return {
    name,
    studentDim,
    teacherDim,
    kernel,
    bias,
    variables: [kernel, bias],
    apply: (x) =>
      tf.tidy(() => {
        const lead = x.shape.slice(0, -1);
        const rows = x.reshape([-1, studentDim]) as tf.Tensor2D; // [tokens, studentDim]
        return rows
          .matMul(kernel)
          .add(bias)
          .reshape([...lead, teacherDim]);
      }),
    dispose: () => tf.dispose([kernel, bias]),
  };
}
