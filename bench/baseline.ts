/**
 * The hand-written TF.js KD step of the performance issue (a port of /work/shared/peer/tfjs/kd.mjs): the same
 * model as tfdistill's encoder built from plain `tf.variable`s and ops, `tf.train.adam` (tfjs has no AdamW),
 * `tf.dropout`. It is what a careful user writes without a library; tfdistill's step must stay within 5% of it.
 */
import * as tf from '@tensorflow/tfjs';
import { randomBatch, sync, workload, type Contender } from './workload.js';

interface Shape {
  dModel: number;
  numLayers: number;
  numHeads: number;
  ffnDim: number;
}
type Block = Record<'ln1g' | 'ln1b' | 'wqkv' | 'bqkv' | 'wo' | 'bo' | 'ln2g' | 'ln2b' | 'w1' | 'b1' | 'w2' | 'b2', tf.Variable>;
interface Model {
  tok: tf.Variable;
  pos: tf.Variable;
  blocks: Block[];
  wh: tf.Variable;
  bh: tf.Variable;
}

function makeModel({ dModel: d, numLayers, ffnDim }: Shape, trainable: boolean): Model {
  const w = (shape: number[]) => tf.variable(tf.truncatedNormal(shape, 0, 0.02), trainable);
  const zeros = (n: number) => tf.variable(tf.zeros([n]), trainable);
  const ones = (n: number) => tf.variable(tf.ones([n]), trainable);
  const blocks = Array.from(
    { length: numLayers },
    (): Block => ({
      ln1g: ones(d),
      ln1b: zeros(d),
      wqkv: w([d, 3 * d]),
      bqkv: zeros(3 * d),
      wo: w([d, d]),
      bo: zeros(d),
      ln2g: ones(d),
      ln2b: zeros(d),
      w1: w([d, ffnDim]),
      b1: zeros(ffnDim),
      w2: w([ffnDim, d]),
      b2: zeros(d),
    }),
  );
  return {
    tok: w([workload.vocab, d]),
    pos: w([workload.maxLength, d]),
    blocks,
    wh: w([d, workload.classes]),
    bh: zeros(workload.classes),
  };
}
const varsOf = (m: Model): tf.Variable[] => [m.tok, m.pos, m.wh, m.bh, ...m.blocks.flatMap((b) => Object.values(b))];

/**
 * Builds the hand-written contender. `embedViaScatter` takes the embedding gradient through `tf.scatterND`
 * (kd.mjs's workaround when the wasm backend lacks UnsortedSegmentSum, i.e. with stock kernels).
 *
 * @example
 * ```ts
 * const base = buildBaseline({ embedViaScatter: false }); await base.kdStep(false); base.dispose();
 * ```
 */
export function buildBaseline(options: { embedViaScatter: boolean }): Contender {
  const { seq: S, temperature: T, alpha: ALPHA, dropout: DROP, classes: C } = workload;
  const embed = (table: tf.Tensor, flatIds: tf.Tensor1D): tf.Tensor => {
    if (!options.embedViaScatter) return tf.gather(table, flatIds);
    const f = tf.customGrad(((tbl: tf.Tensor, save: tf.GradSaveFunc) => {
      save([flatIds]);
      return {
        value: tf.gather(tbl, flatIds),
        gradFunc: (dy: tf.Tensor, [ix]: tf.Tensor[]) => tf.scatterND(ix.expandDims(1), dy, tbl.shape),
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return f(table);
  };
  const dense = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b);
  const layerNorm = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return x
      .sub(mean)
      .mul(tf.rsqrt(variance.add(1e-5)))
      .mul(g)
      .add(b);
  };
  const gelu = (x: tf.Tensor) => x.mul(0.5).mul(tf.erf(x.mul(Math.SQRT1_2)).add(1)); // exact (erf) GELU
  const drop = (x: tf.Tensor, train: boolean) => (train ? tf.dropout(x, DROP) : x);

  const attention = (x: tf.Tensor, p: Block, heads: number, nb: number, train: boolean) => {
    // x: [nb*S, d]
    const d = x.shape[1] as number,
      dh = d / heads;
    const split = (t: tf.Tensor) => t.reshape([nb, S, heads, dh]).transpose([0, 2, 1, 3]); // [nb, h, S, dh]
    const [q, k, v] = tf.split(dense(x, p.wqkv, p.bqkv), 3, 1).map(split);
    const probs = drop(tf.softmax(tf.matMul(q, k, false, true).mul(1 / Math.sqrt(dh))), train);
    const ctx = tf
      .matMul(probs, v)
      .transpose([0, 2, 1, 3])
      .reshape([nb * S, d]);
    return dense(ctx, p.wo, p.bo);
  };
  const forward = (m: Model, cfg: Shape, ids: tf.Tensor2D, train: boolean): tf.Tensor => {
    // -> [nb, C]
    const nb = ids.shape[0];
    let x = embed(m.tok, ids.reshape([-1]))
      .reshape([nb, S, cfg.dModel])
      .add(m.pos);
    x = x.reshape([nb * S, cfg.dModel]);
    for (const p of m.blocks) {
      // pre-LN block, dropout sites as in torch.nn.TransformerEncoderLayer
      x = x.add(drop(attention(layerNorm(x, p.ln1g, p.ln1b), p, cfg.numHeads, nb, train), train));
      const h = drop(gelu(dense(layerNorm(x, p.ln2g, p.ln2b), p.w1, p.b1)), train);
      x = x.add(drop(dense(h, p.w2, p.b2), train));
    }
    return dense(x.reshape([nb, S, cfg.dModel]).mean(1), m.wh, m.bh);
  };
  const kdLoss = (s: tf.Tensor, t: tf.Tensor, y: tf.Tensor): tf.Scalar => {
    // batch means
    const logPs = tf.logSoftmax(s.div(T)),
      logPt = tf.logSoftmax(t.div(T));
    const kl = tf.exp(logPt).mul(logPt.sub(logPs)).sum().div(s.shape[0]);
    const ce = tf
      .oneHot(y as tf.Tensor1D, C)
      .cast('float32')
      .mul(tf.logSoftmax(s))
      .sum()
      .neg()
      .div(s.shape[0]);
    return kl.mul(ALPHA * T * T).add(ce.mul(1 - ALPHA)) as tf.Scalar;
  };

  const teacher = tf.tidy(() => makeModel(workload.teacher, false) as unknown as tf.TensorContainer) as unknown as Model;
  const student = tf.tidy(() => makeModel(workload.student, true) as unknown as tf.TensorContainer) as unknown as Model;
  const studentVars = varsOf(student);
  const opt = tf.train.adam(workload.learningRate);
  const host = randomBatch(workload, 1);
  const ids = tf.tensor2d(host.inputIds, [workload.batch, S], 'int32');
  const y = tf.tensor1d(host.labels, 'int32');
  const ids1 = ids.slice([0, 0], [1, S]);
  const cachedT = tf.tidy(() => forward(teacher, workload.teacher, ids, false));

  return {
    async kdStep(cached) {
      tf.tidy(() => {
        const t = cached ? cachedT : forward(teacher, workload.teacher, ids, false); // teacher: no grads taken
        opt.minimize(() => kdLoss(forward(student, workload.student, ids, true), t, y), false, studentVars);
      });
    },
    teacherForward() {
      tf.tidy(() => sync(forward(teacher, workload.teacher, ids, false)));
    },
    studentForward(b) {
      tf.tidy(() => sync(forward(student, workload.student, b === 1 ? ids1 : ids, false)));
    },
    dispose() {
      opt.dispose();
      tf.dispose([ids, y, ids1, cachedT, ...varsOf(teacher), ...studentVars]);
    },
  };
}
