import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { createEncoder } from './encoder.js';
import type { TfdDense } from './layers/dense.js';
import type { TfdEmbedding } from './layers/embedding.js';
import type { TfdEncoderBlock } from './layers/encoder-block.js';
import type { TfdLayerNorm } from './layers/layer-norm.js';
import { floatKernel } from './layers/weights.js';
import { encoderOutputs } from './outputs.js';

type Flat = number[];
interface TorchLayer {
  in_proj_weight: Flat;
  in_proj_bias: Flat;
  out_proj_weight: Flat;
  out_proj_bias: Flat;
  linear1_weight: Flat;
  linear1_bias: Flat;
  linear2_weight: Flat;
  linear2_bias: Flat;
  norm1_weight: Flat;
  norm1_bias: Flat;
  norm2_weight: Flat;
  norm2_bias: Flat;
}
interface Case {
  normFirst: boolean;
  weights: {
    tok: Flat;
    pos: Flat;
    token_type?: Flat;
    layers: TorchLayer[];
    final_norm_weight: Flat | null;
    final_norm_bias: Flat | null;
    head_weight: Flat;
    head_bias: Flat;
  };
  logits_mean: Flat;
  logits_cls: Flat;
  logits_token: Flat;
  hidden: Flat[];
  /** The sentence-pair case: its own ids (padded with padId) and token type ids. */
  padId?: number;
  typeVocabSize?: number;
  input_ids?: number[][];
  type_ids?: number[][];
}
const golden = JSON.parse(readFileSync(new URL('../../test/fixtures/encoder/encoder_golden.json', import.meta.url), 'utf8')) as {
  config: { vocabSize: number; maxLength: number; dModel: number; numLayers: number; numHeads: number; ffnDim: number; numClasses: number };
  input_ids: number[][];
  cases: Record<'pre_ln' | 'post_ln' | 'pair_post_ln', Case>;
};
const { dModel: d, ffnDim: f, numClasses: c } = golden.config;

/** torch Linear weights are [out, in]; ours are [in, out]. */
const fromTorchLinear = (w: Flat, out: number, inDim: number) => tf.tidy(() => tf.tensor2d(w, [out, inDim]).transpose());

function loadTorchWeights(model: tf.LayersModel, w: Case['weights']): void {
  tf.tidy(() => {
    const emb = model.getLayer('embeddings') as TfdEmbedding;
    emb.tokens.write(tf.tensor2d(w.tok, [golden.config.vocabSize, d]));
    emb.positions.write(tf.tensor2d(w.pos, [golden.config.maxLength, d]));
    if (w.token_type) emb.tokenTypes!.write(tf.tensor2d(w.token_type, [w.token_type.length / d, d]));
    w.layers.forEach((t, i) => {
      const b = model.getLayer(`block_${i}`) as TfdEncoderBlock;
      floatKernel(b.attention.qkvKernel!).write(fromTorchLinear(t.in_proj_weight, 3 * d, d));
      b.attention.qkvBias.write(tf.tensor1d(t.in_proj_bias));
      floatKernel(b.attention.outKernel).write(fromTorchLinear(t.out_proj_weight, d, d));
      b.attention.outBias.write(tf.tensor1d(t.out_proj_bias));
      floatKernel(b.ffn1Kernel).write(fromTorchLinear(t.linear1_weight, f, d));
      b.ffn1Bias.write(tf.tensor1d(t.linear1_bias));
      floatKernel(b.ffn2Kernel).write(fromTorchLinear(t.linear2_weight, d, f));
      b.ffn2Bias.write(tf.tensor1d(t.linear2_bias));
      b.norm1Gamma.write(tf.tensor1d(t.norm1_weight));
      b.norm1Beta.write(tf.tensor1d(t.norm1_bias));
      b.norm2Gamma.write(tf.tensor1d(t.norm2_weight));
      b.norm2Beta.write(tf.tensor1d(t.norm2_bias));
    });
    if (w.final_norm_weight && w.final_norm_bias) {
      const n = model.getLayer('final_norm') as TfdLayerNorm;
      n.gamma.write(tf.tensor1d(w.final_norm_weight));
      n.beta.write(tf.tensor1d(w.final_norm_bias));
    }
    const head = model.getLayer('logits') as TfdDense;
    head.kernel.write(fromTorchLinear(w.head_weight, c, d));
    head.bias.write(tf.tensor1d(w.head_bias));
  });
}

function build(cs: Case, options: { pooling?: 'mean' | 'cls'; task?: 'classification' | 'token' }): tf.LayersModel {
  const model = createEncoder({
    ...golden.config,
    dropout: 0,
    normFirst: cs.normFirst,
    outputs: ['logits', 'hidden'],
    padId: cs.padId,
    typeVocabSize: cs.typeVocabSize,
    seed: 3,
    ...options,
  });
  loadTorchWeights(model, cs.weights);
  return model;
}

describe('encoder matches PyTorch nn.TransformerEncoderLayer', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  /** The case's ids and (pair case) type ids, each row right-padded to `seq` with padId / type 0. */
  function inputs(cs: Case, seq: number): { ids: tf.Tensor2D; typeIds?: tf.Tensor2D } {
    const pad = (rows: number[][], value: number) =>
      tf.tensor2d(
        rows.map((row) => [...row, ...new Array<number>(seq - row.length).fill(value)]),
        undefined,
        'int32',
      );
    return { ids: pad(cs.input_ids ?? golden.input_ids, cs.padId ?? 0), typeIds: cs.type_ids && pad(cs.type_ids, 0) };
  }

  // pair_post_ln: BERT sentence pairs (typeVocabSize 2) with RoBERTa's pad id 1, where id 0 is a real token.
  for (const name of ['pre_ln', 'post_ln', 'pair_post_ln'] as const) {
    it(`${name}: mean/cls/token logits and every block's output within 1e-4`, async () => {
      await expectNoLeaks(async () => {
        const cs = golden.cases[name];
        const { ids, typeIds } = inputs(cs, (cs.input_ids ?? golden.input_ids)[0].length);
        const variants = [
          { options: { pooling: 'mean' as const }, want: cs.logits_mean },
          { options: { pooling: 'cls' as const }, want: cs.logits_cls },
          { options: { task: 'token' as const }, want: cs.logits_token },
        ];
        for (const { options, want } of variants) {
          const model = build(cs, options);
          const out = encoderOutputs(model, ids, { training: false, typeIds });
          expect(maxAbsDiff(await out.logits.data(), want)).toBeLessThan(1e-4);
          for (let i = 0; i < cs.hidden.length; i++) {
            expect(maxAbsDiff(await out.hidden![i].data(), cs.hidden[i])).toBeLessThan(1e-4);
          }
          tf.dispose([out.logits, ...out.hidden!]);
          model.dispose();
        }
        tf.dispose(typeIds ? [ids, typeIds] : ids);
      });
    });

    it(`${name}: with the ids padded to 16 (the shapes of the wasm attention kernel) the same at the real positions`, async () => {
      await expectNoLeaks(async () => {
        const cs = golden.cases[name];
        const rows = cs.input_ids ?? golden.input_ids;
        const [s, padded] = [rows[0].length, 16];
        expect(padded).toBeLessThanOrEqual(golden.config.maxLength);
        const { ids, typeIds } = inputs(cs, padded);
        /** Rows [b, s, ...rest] of a [b, padded, ...rest] result: the positions the fixture has. */
        const real = (values: Float32Array | Int32Array | Uint8Array, width: number): number[] =>
          rows.flatMap((_, b) => Array.from(values.subarray(b * padded * width, (b * padded + s) * width)));
        const variants = [
          { options: { pooling: 'mean' as const }, want: cs.logits_mean, token: false },
          { options: { pooling: 'cls' as const }, want: cs.logits_cls, token: false },
          { options: { task: 'token' as const }, want: cs.logits_token, token: true },
        ];
        for (const { options, want, token } of variants) {
          const model = build(cs, options);
          let out!: ReturnType<typeof encoderOutputs>;
          const profiled = await tf.profile(() => {
            out = encoderOutputs(model, ids, { training: false, typeIds });
            return [out.logits, ...out.hidden!];
          });
          expect(profiled.kernelNames).toContain('TfdAttentionContext');
          const logits = await out.logits.data();
          expect(maxAbsDiff(token ? real(logits, c) : Array.from(logits), want)).toBeLessThan(1e-4);
          for (let i = 0; i < cs.hidden.length; i++) {
            expect(maxAbsDiff(real(await out.hidden![i].data(), d), cs.hidden[i])).toBeLessThan(1e-4);
          }
          tf.dispose([out.logits, ...out.hidden!]);
          model.dispose();
        }
        tf.dispose(typeIds ? [ids, typeIds] : ids);
      });
    });
  }
});
