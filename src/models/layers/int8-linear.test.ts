import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff } from '../../../test/helpers.js';
import { useBackend } from '../../backend/use-backend.js';
import { int8Form, int8LinearKernelName } from '../../backend/wasm-kernels/linear-int8.js';
import { relaxedSimdAvailable } from '../../backend/wasm-kernels/simd/instance.js';
import { simdSwitches } from '../../backend/wasm-kernels/simd/switches.js';
import { packPanel, panelDims, quantizeColumns, unpackPanel } from './int8-math.js';
import { Rng } from '../../util/rng.js';
import { int8Linear } from './int8-linear.js';

/** Golden cases from test/fixtures/int8/make_int8.py (numpy reference of the math, and PyTorch's dynamic quantization). */
interface GoldenCase {
  m: number;
  k: number;
  n: number;
  x: number[];
  w: number[];
  bias: number[];
  weightValues: number[];
  weightScales: number[];
  reference: number[];
  float: number[];
  torch_dynamic: number[];
}
const golden = JSON.parse(readFileSync(new URL('../../../test/fixtures/int8/int8.json', import.meta.url), 'utf8')) as {
  cases: GoldenCase[];
};

/** int8Linear of a golden case's x, W (quantized by quantizeColumns) and bias, and whether the wasm kernel ran. */
async function run(c: GoldenCase, xShape = [c.m, c.k]): Promise<{ y: Float32Array; ranKernel: boolean }> {
  const { values, scales } = quantizeColumns(Float32Array.from(c.w), c.k, c.n);
  const info = await tf.profile(() =>
    tf.tidy(() => {
      const w = { panel: tf.tensor1d(packPanel(values, c.k, c.n), 'int32'), scales: tf.tensor1d(scales), k: c.k, n: c.n };
      return int8Linear(tf.tensor(c.x, xShape), w, tf.tensor1d(c.bias));
    }),
  );
  const out = info.result as tf.Tensor;
  expect(out.shape).toEqual([...xShape.slice(0, -1), c.n]);
  const y = out.dataSync() as Float32Array;
  out.dispose();
  return { y, ranKernel: info.kernelNames.includes(int8LinearKernelName) };
}

/** Largest |a - b| relative to the largest |b|. */
const relative = (a: ArrayLike<number>, b: ArrayLike<number>) => maxAbsDiff(a, b) / Math.max(...Array.from(b, Math.abs));

describe('int8 math (src/models/layers/int8-math.ts)', () => {
  it('quantizes weights per column exactly as the numpy reference (all-zero column included)', () => {
    for (const c of golden.cases) {
      const { values, scales } = quantizeColumns(Float32Array.from(c.w), c.k, c.n);
      expect(Array.from(values), `${c.k}x${c.n}`).toEqual(c.weightValues);
      expect(Array.from(scales), `${c.k}x${c.n}`).toEqual(Array.from(Float32Array.from(c.weightScales)));
    }
  });

  it('packs and unpacks the panel losslessly for odd sizes, with zero padding', () => {
    const rng = new Rng(8);
    for (const [k, n] of [
      [1, 1],
      [3, 5],
      [8, 8],
      [13, 19],
      [64, 24],
    ]) {
      const values = Int8Array.from({ length: k * n }, () => Math.round(rng.next() * 254) - 127);
      const words = packPanel(values, k, n);
      const [kPad, nPad] = panelDims(k, n);
      expect(words.length * 4).toBe(kPad * nPad);
      expect(unpackPanel(words, k, n)).toEqual(values);
      const nonZero = new Int8Array(words.buffer).filter((b) => b !== 0).length;
      expect(nonZero).toBe(values.filter((v) => v !== 0).length);
    }
  });
});

/** The backend and, on wasm, the int8 form (`simdSwitches.int8`) a case runs with. */
const setups = [
  { name: 'cpu (tfjs ops)', backend: 'cpu', form: 'auto' },
  { name: 'wasm, int16 dot', backend: 'wasm', form: 'int16' },
  { name: 'wasm, relaxed 8-bit dot where exact', backend: 'wasm', form: 'relaxed' },
] as const;

describe.each(setups)('int8Linear on $name', ({ backend, form }) => {
  beforeAll(async () => {
    await useBackend(backend);
    simdSwitches.int8 = form;
  });
  afterAll(async () => {
    simdSwitches.int8 = 'auto';
    await useBackend('cpu');
  });

  it('matches the float64 reference of the same math; errs about as PyTorch dynamic quantization, less on heavy tails', async () => {
    await expectNoLeaks(async () => {
      for (const c of golden.cases) {
        const label = `${backend} ${form} ${c.m}x${c.k}x${c.n}`;
        const { y, ranKernel } = await run(c);
        // The wasm kernel takes k % 8 == 0, rows % 4 == 0, n % 8 == 0; other shapes take the tfjs fallback.
        expect(ranKernel, label).toBe(backend === 'wasm' && c.k % 8 === 0 && c.m % 4 === 0 && c.n % 8 === 0);
        expect(relative(y, c.reference), label).toBeLessThan(2e-6);
        // 7-bit weights against PyTorch's 8-bit, per-row activation scales against its per-tensor ones.
        const [ours, torch] = [maxAbsDiff(y, c.float), maxAbsDiff(c.torch_dynamic, c.float)];
        expect(ours, label).toBeLessThan(1.2 * torch);
        if (c.k >= 40) expect(ours, label).toBeLessThan(torch); // the heavy-tailed cases
      }
    });
  });

  it('takes inputs of any rank and no bias', async () => {
    const c = golden.cases.find((g) => g.m === 16 && g.k === 128) as GoldenCase;
    await expectNoLeaks(async () => {
      const { y } = await run(c, [2, 8, c.k]);
      expect(relative(y, c.reference)).toBeLessThan(2e-6);
      const noBias = tf.tidy(() => {
        const { values, scales } = quantizeColumns(Float32Array.from(c.w), c.k, c.n);
        const w = { panel: tf.tensor1d(packPanel(values, c.k, c.n), 'int32'), scales: tf.tensor1d(scales), k: c.k, n: c.n };
        return int8Linear(tf.tensor(c.x, [c.m, c.k]), w)
          .sub(tf.tensor2d(y, [c.m, c.n]))
          .add(tf.tensor1d(c.bias));
      });
      expect(Math.max(...Array.from(noBias.dataSync(), Math.abs))).toBeLessThan(1e-5);
      noBias.dispose();
    });
  });
});

describe('the two wasm int8 forms', () => {
  afterAll(() => {
    simdSwitches.int8 = 'auto';
  });

  it('give bit-identical outputs under every switch, the relaxed form only where this engine computes it exactly', async () => {
    await useBackend('wasm');
    expect(relaxedSimdAvailable()).toBe(true); // useBackend('wasm') enables relaxed SIMD on Node 20
    const c = golden.cases.find((g) => g.m === 16 && g.k === 128) as GoldenCase;
    await expectNoLeaks(async () => {
      const outputs: Record<string, number[]> = {};
      const forms: Record<string, string> = {};
      for (const form of ['int16', 'relaxed', 'auto'] as const) {
        simdSwitches.int8 = form;
        forms[form] = int8Form(tf.backend() as never);
        outputs[form] = Array.from((await run(c)).y);
      }
      expect(outputs.relaxed).toEqual(outputs.int16);
      expect(outputs.auto).toEqual(outputs.int16);
      expect(forms.int16).toBe('int16');
      // V8 11.3 (Node 20) returns twice the right value from i32x4.relaxed_dot_i8x16_i7x16_add_s in its baseline code: the
      // probe must refuse it there (test/browser/int8-kernels.test.ts runs the relaxed form in Chromium, which computes it right).
      if (process.versions.v8.startsWith('11.')) expect(forms.relaxed).toBe('int16');
    });
  });
});
