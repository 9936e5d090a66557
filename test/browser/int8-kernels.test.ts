/**
 * The relaxed-SIMD int8 matmul where an engine computes it: headless Chromium (V8 in Node 20 gets the 8-bit dot wrong
 * in its baseline code, so Node runs the int16 form; `src/models/layers/int8-linear.test.ts`). Both forms of the
 * kernels run in a blank page on their own memory, on random shapes, from the first call (baseline code) to the 30th
 * (optimized code), against a plain-JS evaluation of the same integer math.
 */
import { describe, expect, it } from 'vitest';
import { kernelBytes } from '../../src/backend/wasm-kernels/simd/instance.js';
import { packPanel } from '../../src/models/layers/int8-math.js';
import { launchChromium } from './chromium.js';

/** Runs in the page: both forms on each case, 30 times; returns per case whether every run matched the reference. */
const pageProbe = `async ({ plainBytes, relaxedBytes, cases }) => {
  const dec = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const memory = new WebAssembly.Memory({ initial: 512 });
  const plain = (await WebAssembly.instantiate(dec(plainBytes), { env: { memory } })).instance.exports;
  const relaxed = (await WebAssembly.instantiate(dec(relaxedBytes), { env: { memory } })).instance.exports;
  return cases.map(({ m, k, n, x, panel, w }) => {
    let top = 1024;
    const alloc = (bytes) => { const p = top; top += (bytes + 63) & ~63; return p; };
    const [xAt, qAt, panelAt, sAt, sumsAt, tAt, outAt] = [m * k * 4, m * k * 2, k * n, m * 4, m * 4, n * 4, m * n * 4].map(alloc);
    new Float32Array(memory.buffer, xAt, m * k).set(x);
    new Int32Array(memory.buffer, panelAt, (k * n) / 4).set(panel);
    new Float32Array(memory.buffer, tAt, n).fill(1);
    const mismatches = { int16: 0, relaxed: 0 };
    for (let run = 0; run < 30; run++) {
      for (const form of ['int16', 'relaxed']) {
        if (form === 'int16') {
          plain.quantizeRows(xAt, qAt, sAt, m, k);
          plain.matmulInt8(qAt, panelAt, sAt, 0, tAt, 0, outAt, m, k, n);
        } else {
          plain.quantizeRowsInt8(xAt, qAt, sAt, sumsAt, m, k);
          relaxed.matmulInt8Relaxed(qAt, panelAt, sAt, sumsAt, tAt, 0, outAt, m, k, n);
        }
        const q = form === 'int16' ? new Int16Array(memory.buffer, qAt, m * k) : new Int8Array(memory.buffer, qAt, m * k);
        const s = new Float32Array(memory.buffer, sAt, m);
        const out = new Float32Array(memory.buffer, outAt, m * n);
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
          let sum = 0;
          for (let p = 0; p < k; p++) sum += q[i * k + p] * w[p * n + j];
          if (out[i * n + j] !== Math.fround(Math.fround(sum) * s[i])) mismatches[form]++;
        }
      }
    }
    return mismatches;
  });
}`;

describe('int8 kernels in Chromium', () => {
  it('the relaxed 8-bit-dot form gives the int16 form sums exactly, from the first call on', async (ctx) => {
    const browser = await launchChromium(ctx);
    if (!browser) return;
    try {
      let seed = 12;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648;
      };
      const cases = [
        [4, 8, 8],
        [8, 64, 24],
        [64, 128, 384],
        [12, 520, 16],
      ].map(([m, k, n]) => {
        const w = Int8Array.from({ length: k * n }, () => Math.round(random() * 126) - 63);
        return {
          m,
          k,
          n,
          x: Array.from({ length: m * k }, () => (random() - 0.5) * 8),
          panel: Array.from(packPanel(w, k, n)),
          w: Array.from(w),
        };
      });
      const page = await browser.newPage();
      await page.goto('about:blank');
      const result = await page.evaluate(
        `(${pageProbe})(${JSON.stringify({ plainBytes: b64(kernelBytes(false)), relaxedBytes: b64(kernelBytes(false, true)), cases })})`,
      );
      expect(result).toEqual(cases.map(() => ({ int16: 0, relaxed: 0 })));
    } finally {
      await browser.close();
    }
  });
});

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
