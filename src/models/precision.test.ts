import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { applyPrecision, getComputePrecision, roundToBfloat16, roundToFloat16, setComputePrecision } from './precision.js';

const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/encoder/float16.json', import.meta.url), 'utf8')) as {
  x: number[];
  float16: (number | string)[];
};

/** Bit-level bfloat16 reference: round-to-nearest-even on the top 16 bits of the float32 pattern. */
function bfloat16Reference(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const b = bits[i];
    if (Number.isNaN(values[i])) {
      outBits[i] = b;
      continue;
    }
    const rounded = (b + 0x7fff + ((b >>> 16) & 1)) >>> 0;
    outBits[i] = (rounded & 0xffff0000) >>> 0;
  }
  return out;
}

function sameFloat(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

describe('precision', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterEach(() => setComputePrecision('float32'));

  it('roundToFloat16 matches numpy float16 exactly (edges, ties, subnormals, overflow)', async () => {
    await expectNoLeaks(async () => {
      const x = tf.tensor1d(fixture.x);
      const y = roundToFloat16(x);
      const got = await y.data();
      const want = fixture.float16.map((v) => (typeof v === 'string' ? Number(v) : v));
      const bad = want.flatMap((w, i) => (sameFloat(got[i], w) ? [] : [`${fixture.x[i]} -> ${got[i]} (want ${w})`]));
      expect(bad).toEqual([]);
      tf.dispose([x, y]);
    });
  });

  it('roundToFloat16 named edge cases', async () => {
    await expectNoLeaks(async () => {
      const x = tf.tensor1d([65504, 65520, -65520, 2 ** -24, 2 ** -25, 1 + 2 ** -11, 1 + 3 * 2 ** -11, Infinity, NaN]);
      const y = roundToFloat16(x);
      const got = Array.from(await y.data());
      expect(got.slice(0, 8)).toEqual([65504, Infinity, -Infinity, 2 ** -24, 0, 1, 1 + 2 ** -9, Infinity]);
      expect(Number.isNaN(got[8])).toBe(true);
      tf.dispose([x, y]);
    });
  });

  it('roundToBfloat16 matches the bit-level reference', async () => {
    await expectNoLeaks(async () => {
      const values: number[] = [
        0,
        1,
        -1,
        1 + 2 ** -8,
        1 + 3 * 2 ** -8,
        3.4028234663852886e38,
        3.3895313892515355e38,
        2 ** -126,
        2 ** -133,
        2 ** -134,
        3 * 2 ** -134,
        2 ** -149,
        1e-40,
        Infinity,
        -Infinity,
        NaN,
        0.1,
        -1 / 3,
      ];
      let s = 12345;
      for (let i = 0; i < 2000; i++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const mant = 1 + s / 2 ** 32;
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const exp = (s % 280) - 150;
        values.push((i % 2 ? -1 : 1) * mant * 2 ** exp);
      }
      // Exact ties: a bfloat16 value plus half its spacing.
      for (let i = 0; i < 200; i++) values.push((1 + (2 * i + 1) * 2 ** -8) * 2 ** (i - 100));
      const x32 = new Float32Array(values);
      const x = tf.tensor1d(x32);
      const y = roundToBfloat16(x);
      const got = await y.data();
      const want = bfloat16Reference(x32);
      const bad: string[] = [];
      for (let i = 0; i < x32.length; i++) if (!sameFloat(got[i], want[i])) bad.push(`${x32[i]} -> ${got[i]} (want ${want[i]})`);
      expect(bad).toEqual([]);
      tf.dispose([x, y]);
    });
  });

  it('has a straight-through gradient', async () => {
    await expectNoLeaks(async () => {
      const x = tf.tensor1d([0.1, 2.3, -7]);
      const g16 = tf.grad((t: tf.Tensor) =>
        roundToFloat16(t)
          .mul(tf.tensor1d([1, 2, 3]))
          .sum(),
      )(x);
      const gbf = tf.grad((t: tf.Tensor) => roundToBfloat16(t).sum())(x);
      expect(Array.from(await g16.data())).toEqual([1, 2, 3]);
      expect(Array.from(await gbf.data())).toEqual([1, 1, 1]);
      tf.dispose([x, g16, gbf]);
    });
  });

  it('applyPrecision follows the module policy and rejects unknown names', async () => {
    await expectNoLeaks(async () => {
      const x = tf.tensor1d([0.1]);
      expect(applyPrecision(x)).toBe(x);
      setComputePrecision('float16');
      expect(getComputePrecision()).toBe('float16');
      const h = applyPrecision(x);
      expect((await h.data())[0]).toBe(0.0999755859375);
      setComputePrecision('bfloat16');
      const b = applyPrecision(x);
      expect((await b.data())[0]).toBe(0.10009765625);
      expect(() => setComputePrecision('float8' as never)).toThrow(/unknown compute precision/);
      tf.dispose([x, h, b]);
    });
  });
});
