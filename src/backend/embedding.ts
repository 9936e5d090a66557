import * as tf from '@tensorflow/tfjs';

/**
 * Embedding lookup `table[ids]` with a gradient that scatter-adds the rows of dy into a
 * [vocab, dim] zero tensor (duplicate ids summed), on every backend.
 *
 * Why not `tf.gather`'s own gradient: it needs the `UnsortedSegmentSum` kernel, which
 * tfjs-backend-wasm 4.22 lacks, and whose pure-JS `cpu` implementation loops over every vocabulary
 * row keeping a masked copy of dy per row (~16 GiB and minutes per step at vocab 8000).
 *
 * @param table [vocab, dim] float32
 * @param ids int32 of any shape [...]
 * @returns [...ids.shape, dim]
 * @example
 * ```ts
 * const x = embeddingLookup(tokenTable, inputIds); // [batch, seq, dModel]
 * ```
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const outShape = [...ids.shape, table.shape[1]];
  const flatIds = tf.tidy(() => (ids.dtype === 'int32' ? ids : ids.toInt()).reshape([-1]) as tf.Tensor1D);
  const lookup = tf.customGrad(((tbl: tf.Tensor, save: tf.GradSaveFunc) => {
    save([flatIds]);
    return {
      value: tf.gather(tbl, flatIds), // [n, dim]
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.scatterND(saved[0].expandDims(1), dy, tbl.shape), // [vocab, dim]
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const rows = lookup(table as tf.Tensor);
  const out = rows.reshape(outShape);
  flatIds.dispose();
  rows.dispose();
  return out;
}
