import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { loadClassifier } from '../io/classifier-checkpoint.js';
import { predictLogits } from '../eval/predict-logits.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { makeTinyCheckpoint, tinyTexts } from '../../test/tiny-checkpoint.js';
import { exportWeb } from './export-web.js';

const root = mkdtempSync(path.join(tmpdir(), 'tfd-exportweb-'));
const ckpt = path.join(root, 'student');

beforeAll(async () => {
  await useBackend('wasm');
  (await makeTinyCheckpoint(ckpt, { seed: 5 })).model.dispose();
});

/** Loads an exported folder's model.json + weights.bin with stock tfjs (decoding any quantization). */
async function loadExported(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const bin = readFileSync(path.join(dir, 'weights.bin'));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length),
    }),
  );
}

describe('exportWeb', () => {
  it('writes the static folder; float32/float16/uint8 weights reload with stock tfjs close to the original', async () => {
    await expectNoLeaks(async () => {
      const c = await loadClassifier(ckpt);
      const examples = tinyTexts.map((t, index) => ({ ids: c.tokenizer.encode(t.text, c.maxLength), index }));
      const want = await predictLogits(c.model, examples);
      c.model.dispose();
      const sizes: Record<string, number> = {};
      for (const [mode, tol] of [
        [undefined, 1e-5],
        ['float16', 2e-2],
        ['uint8', 0.3],
      ] as const) {
        const out = path.join(root, `web-${mode ?? 'f32'}`);
        const r = await exportWeb(ckpt, out, { quantize: mode });
        expect(r.files).toEqual([
          'index.html',
          'labels.json',
          'model.json',
          'tf-backend-wasm.min.js',
          'tf-backend-webgpu.min.js',
          'tf.min.js',
          'tfdistill-web.js',
          'tfjs-backend-wasm-simd.wasm',
          'tfjs-backend-wasm-threaded-simd.wasm',
          'tfjs-backend-wasm.wasm',
          'tokenizer.json',
          'web-config.json',
          'weights.bin',
        ]);
        expect(JSON.parse(readFileSync(path.join(out, 'labels.json'), 'utf8'))).toEqual(['ham', 'spam']);
        expect(readFileSync(path.join(out, 'index.html'), 'utf8')).toMatch(
          /<script src="tf.min.js">[\s\S]*tf-backend-wasm.min.js[\s\S]*tfdistill-web.js/,
        );
        expect(statSync(path.join(out, 'tf.min.js')).size).toBeGreaterThan(500_000);
        sizes[mode ?? 'float32'] = statSync(path.join(out, 'weights.bin')).size;
        const model = await loadExported(out);
        const got = await predictLogits(model, examples);
        model.dispose();
        expect(maxAbsDiff(got, want)).toBeLessThan(tol);
      }
      expect(sizes.float16).toBe(sizes.float32 / 2);
      expect(sizes.uint8).toBe(sizes.float32 / 4);
    });
  });

  it('refuses a non-empty output folder unless force, and a bad quantize mode', async () => {
    const out = path.join(root, 'busy');
    mkdirSync(out);
    writeFileSync(path.join(out, 'keep.txt'), 'x');
    await expect(exportWeb(ckpt, out)).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    await expectNoLeaks(() => exportWeb(ckpt, out, { force: true }));
    // A file is no output folder, force or not (it used to reach mkdir and fail with a raw EEXIST).
    await expect(exportWeb(ckpt, path.join(out, 'keep.txt'), { force: true })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    await expect(exportWeb(ckpt, path.join(root, 'q'), { quantize: 'int4' as never })).rejects.toThrow(/quantize/);
  });
});
