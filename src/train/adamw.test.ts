import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { TfdistillError } from '../errors.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { adamwKernelName, registerAdamWKernel } from '../backend/wasm-kernels/adamw.js';
import { AdamW } from './adamw.js';

interface Case {
  lrs: number[];
  weightDecay: number;
  betas: [number, number];
  eps: number;
  shapes: Record<string, number[]>;
  init: Record<string, number[]>;
  grads: Array<Record<string, number[]>>;
  params: Array<Record<string, number[]>>;
}
const golden = JSON.parse(readFileSync(new URL('./fixtures/adamw.json', import.meta.url), 'utf8')) as {
  cases: Record<string, Case>;
};

function makeVariables(c: Case): tf.Variable[] {
  // tidy frees the initial values; variables are never tracked by tidy.
  return tf.tidy(() => Object.entries(c.init).map(([name, values]) => tf.variable(tf.tensor(values, c.shapes[name]), true, name)));
}

function gradsAt(c: Case, step: number): tf.NamedTensorMap {
  return Object.fromEntries(Object.entries(c.grads[step]).map(([n, g]) => [n, tf.tensor(g, c.shapes[n])]));
}

function optimizerFor(c: Case): AdamW {
  return new AdamW({ learningRate: c.lrs[0], weightDecay: c.weightDecay, beta1: c.betas[0], beta2: c.betas[1], epsilon: c.eps });
}

beforeAll(async () => {
  await useBackend('wasm');
});
// Variable names are process-global: a failing test must not make the next one fail on registration.
afterEach(() => tf.disposeVariables());

describe('AdamW', () => {
  for (const caseName of Object.keys(golden.cases)) {
    it(`matches torch.optim.AdamW step by step (${caseName})`, async () => {
      await expectNoLeaks(async () => {
        const c = golden.cases[caseName];
        const vars = makeVariables(c);
        const opt = optimizerFor(c);
        for (let step = 0; step < c.lrs.length; step++) {
          const grads = gradsAt(c, step);
          opt.setLearningRate(c.lrs[step]);
          opt.applyGradients(grads);
          tf.dispose(grads);
          for (const v of vars) {
            expect(maxAbsDiff(v.dataSync(), c.params[step][v.name]), `${v.name} after step ${step + 1}`).toBeLessThan(1e-6);
          }
        }
        expect(opt.step).toBe(c.lrs.length);
        opt.dispose();
        tf.dispose(vars);
      });
    });
  }

  it('decays kernels but not biases or LayerNorm parameters (tfjs-layers names)', async () => {
    await expectNoLeaks(() => {
      const opt = new AdamW();
      expect(opt.decays('dense_Dense1/kernel')).toBe(true);
      expect(opt.decays('embedding_Embedding1/embeddings')).toBe(true);
      expect(opt.decays('dense_Dense1/bias')).toBe(false);
      expect(opt.decays('layer_normalization_LayerNormalization1/gamma')).toBe(false);
      expect(opt.decays('layer_normalization_LayerNormalization1/beta')).toBe(false);
      expect(opt.decays('encoder/layer_0/ln_1/scale')).toBe(false);
      const custom = new AdamW({ excludeFromWeightDecay: [/embeddings/] });
      expect(custom.decays('dense_Dense1/bias')).toBe(true);
      expect(custom.decays('embedding_Embedding1/embeddings')).toBe(false);
    });
  });

  it('restores its state exactly: 3 steps + save/restore + 2 steps == 5 steps', async () => {
    await expectNoLeaks(async () => {
      const c = golden.cases.scheduled;
      const runSteps = (opt: AdamW, from: number, to: number) => {
        for (let s = from; s < to; s++) {
          const g = gradsAt(c, s);
          opt.setLearningRate(c.lrs[s]);
          opt.applyGradients(g);
          tf.dispose(g);
        }
      };
      const straightVars = makeVariables(c);
      const straight = optimizerFor(c);
      runSteps(straight, 0, 5);
      const expected = straightVars.map((v) => Array.from(v.dataSync()));
      tf.dispose(straightVars);
      straight.dispose();

      const vars = makeVariables(c);
      const first = optimizerFor(c);
      runSteps(first, 0, 3);
      const state = await first.getState();
      first.dispose();
      expect(state.step).toBe(3);
      expect(state.weights.map((w) => w.name)).toContain('dense_Dense1/kernel/m');
      const second = optimizerFor(c);
      await second.setState(state);
      tf.dispose(state.weights.map((w) => w.tensor)); // the optimizer must not depend on the caller's copies
      expect(second.step).toBe(3);
      runSteps(second, 3, 5);
      vars.forEach((v, i) => {
        expect(Array.from(v.dataSync())).toEqual(expected[i]);
      });
      second.dispose();
      tf.dispose(vars);
    });
  });

  it('restores moments saved under other variable names with rename', async () => {
    await expectNoLeaks(async () => {
      const [a, b] = tf.tidy(() => [tf.variable(tf.tensor1d([1, -1]), true, 'run1/w'), tf.variable(tf.tensor1d([1, -1]), true, 'run2/w')]);
      const g = tf.tensor1d([0.5, 0.25]);
      const first = new AdamW({ learningRate: 0.1 });
      first.applyGradients({ 'run1/w': g });
      const state = await first.getState();
      const second = new AdamW({ learningRate: 0.1 });
      await second.setState(state, { rename: (n) => n.replace('run1/', 'run2/') });
      b.assign(a);
      first.applyGradients({ 'run1/w': g });
      second.applyGradients({ 'run2/w': g });
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([a, b, g, state.weights.map((w) => w.tensor)]);
      first.dispose();
      second.dispose();
    });
  });

  it('round-trips through getWeights/setWeights and getConfig/fromConfig', async () => {
    await expectNoLeaks(async () => {
      const c = golden.cases.constant;
      const vars = makeVariables(c);
      const opt = new AdamW({ learningRate: 0.01, weightDecay: 0.1, excludeFromWeightDecay: [/bias/i] });
      const g = gradsAt(c, 0);
      opt.applyGradients(g);
      const weights = await opt.getWeights();
      expect(weights[0].name).toBe('iter');
      expect(weights).toHaveLength(1 + 2 * vars.length);
      const copy = AdamW.fromConfig(AdamW, opt.getConfig()) as AdamW;
      expect(copy.getConfig()).toEqual(opt.getConfig());
      expect(copy.decays('x/gamma')).toBe(true);
      await copy.setWeights(weights);
      tf.dispose(weights.map((w) => w.tensor));
      const a = await opt.getState();
      const b = await copy.getState();
      expect(b.step).toBe(1);
      expect(b.weights.map((w) => w.name)).toEqual(a.weights.map((w) => w.name));
      a.weights.forEach((w, i) => {
        expect(Array.from(b.weights[i].tensor.dataSync())).toEqual(Array.from(w.tensor.dataSync()));
      });
      tf.dispose([...a.weights, ...b.weights].map((w) => w.tensor));
      tf.dispose(g);
      opt.dispose();
      copy.dispose();
      tf.dispose(vars);
    });
  });

  it('updates each variable in one wasm kernel, bit-identical to the composite ops (odd sizes, with and without decay)', async () => {
    await expectNoLeaks(async () => {
      const shapes: Record<string, number[]> = { 'odd/kernel': [3, 5], 'odd/bias': [7], 'odd/big_kernel': [130, 3] };
      const steps = 3;
      /** Three AdamW steps on fresh variables; returns their values and whether the fused kernel ran. */
      const train = async (prefix: string) => {
        const vars = tf.tidy(() =>
          Object.entries(shapes).map(([name, shape], i) =>
            tf.variable(tf.sin(tf.range(0, tf.util.sizeFromShape(shape)).mul(i + 1)).reshape(shape), true, `${prefix}/${name}`),
          ),
        );
        const opt = new AdamW({ learningRate: 0.05, weightDecay: 0.1 });
        let ran = false;
        for (let step = 0; step < steps; step++) {
          const grads = Object.fromEntries(vars.map((v, i) => [v.name, tf.tidy(() => tf.cos(v.mul(step + 2 + i)))]));
          const profile = await tf.profile(() => opt.applyGradients(grads));
          ran ||= profile.kernelNames.includes(adamwKernelName);
          tf.dispose(Object.values(grads));
        }
        const values = vars.map((v) => Array.from(v.dataSync()));
        opt.dispose();
        tf.dispose(vars);
        return { values, ran };
      };
      const fused = await train('fused');
      tf.unregisterKernel(adamwKernelName, 'wasm');
      try {
        const composite = await train('composite');
        expect(fused.ran).toBe(true);
        expect(composite.ran).toBe(false);
        expect(fused.values).toEqual(composite.values);
      } finally {
        registerAdamWKernel();
      }
    });
  });

  it('minimize updates only the listed variables', async () => {
    await expectNoLeaks(() => {
      const [a, b] = tf.tidy(() => [tf.variable(tf.tensor1d([1, 2]), true, 'mini/a'), tf.variable(tf.tensor1d([3, 4]), true, 'mini/b')]);
      const opt = new AdamW({ learningRate: 0.1 });
      opt.minimize(() => tf.sum(tf.add(tf.square(a), tf.square(b))), false, [a]);
      expect(Array.from(b.dataSync())).toEqual([3, 4]);
      expect(Array.from(a.dataSync())).not.toEqual([1, 2]);
      opt.dispose();
      tf.dispose([a, b]);
    });
  });

  it('rejects bad hyper-parameters and unknown variables with TfdistillError', async () => {
    await expectNoLeaks(() => {
      expect(() => new AdamW({ beta1: 1 })).toThrow(TfdistillError);
      expect(() => new AdamW().setLearningRate(Number.NaN)).toThrow(TfdistillError);
      const g = tf.zeros([2]);
      const opt = new AdamW();
      expect(() => opt.applyGradients({ 'no/such/variable': g })).toThrow(/no variable named/);
      opt.dispose();
      g.dispose();
    });
  });
});
