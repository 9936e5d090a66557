import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { loadClassifier } from '../io/classifier-checkpoint.js';
import { predictLogits } from '../eval/predict-logits.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { makeTinyCheckpoint, tinyTexts } from '../../test/tiny-checkpoint.js';
import { specialTokenLayout, textWindows } from './long-text.js';
import { predictStream, type StreamResult } from './predict-stream.js';
import { createPredictor } from './predictor.js';
import { toPrediction } from './predictor-core.js';

const dir = path.join(mkdtempSync(path.join(tmpdir(), 'tfd-serve-')), 'student');
const texts = tinyTexts.map((t) => t.text);
const longText = Array.from({ length: 12 }, () => 'free money prize meeting agenda').join(' ');

beforeAll(async () => {
  await useBackend('wasm');
  (await makeTinyCheckpoint(dir)).model.dispose();
});

/** Reference: each text alone, straight through predictLogits, softmaxed. */
async function reference(inputs: string[], mode: 'truncate' | 'chunk') {
  const c = await loadClassifier(dir);
  try {
    const layout = specialTokenLayout(c.tokenizer);
    const out = [];
    for (const text of inputs) {
      const windows = textWindows(c.tokenizer, text, { maxLength: c.maxLength, mode, layout });
      const logits = await predictLogits(
        c.model,
        windows.map((ids, index) => ({ ids, index })),
        { batchSize: 1 },
      );
      const mean = [0, 1].map((k) => windows.reduce((s, _, w) => s + logits[w * 2 + k], 0) / windows.length);
      out.push(toPrediction(mean, c.labels));
    }
    return out;
  } finally {
    c.model.dispose();
  }
}

describe('long text windows', () => {
  it('finds [CLS]/[SEP] and cuts half-overlapping windows that cover the whole body', async () => {
    const c = await loadClassifier(dir);
    try {
      const layout = specialTokenLayout(c.tokenizer);
      expect(layout.prefix.length).toBe(1);
      expect(layout.suffix.length).toBe(1);
      const full = c.tokenizer.encode(longText, 10_000);
      const body = Array.from(full.subarray(1, full.length - 1));
      const windows = textWindows(c.tokenizer, longText, { maxLength: 10, mode: 'chunk', layout });
      const width = 8,
        stride = 4;
      windows.forEach((w, i) => {
        expect(w.length).toBeLessThanOrEqual(10);
        expect(w[0]).toBe(layout.prefix[0]);
        expect(w[w.length - 1]).toBe(layout.suffix[0]);
        expect(Array.from(w.subarray(1, w.length - 1))).toEqual(body.slice(i * stride, i * stride + width));
      });
      expect((windows.length - 1) * stride + windows.at(-1)!.length - 2).toBe(body.length);
      expect(textWindows(c.tokenizer, 'short', { maxLength: 10, mode: 'chunk', layout })).toHaveLength(1);
      expect(textWindows(c.tokenizer, longText, { maxLength: 10, mode: 'truncate', layout })[0]).toHaveLength(10);
    } finally {
      c.model.dispose();
    }
  });
});

describe('createPredictor', () => {
  it('batches concurrent callers and matches one-at-a-time predictions', async () => {
    await expectNoLeaks(async () => {
      const predictor = await createPredictor(dir, { maxBatchSize: 4, maxWaitMs: 20, topK: 1 });
      const got = await Promise.all([...texts, longText].map((t) => predictor.predict(t)));
      expect(predictor.stats()).toEqual({ items: 9, batches: 3 });
      const want = await reference([...texts, longText], 'truncate');
      got.forEach((g, i) => {
        expect(g.label).toBe(want[i].label);
        expect(g.probabilities.spam).toBeCloseTo(want[i].probabilities.spam, 5);
        expect(g.probabilities.ham + g.probabilities.spam).toBeCloseTo(1, 10);
        expect(g.topK).toEqual([{ label: g.label, probability: g.probabilities[g.label] }]);
      });
      await expect(predictor.predict('  ')).rejects.toThrow(/empty/);
      await predictor.close();
    });
  });

  it("longText: 'chunk' averages window logits", async () => {
    await expectNoLeaks(async () => {
      const predictor = await createPredictor(dir, { longText: 'chunk', maxBatchSize: 2 });
      const [got] = await Promise.all([predictor.predict(longText)]);
      const [want] = await reference([longText], 'chunk');
      const [truncated] = await reference([longText], 'truncate');
      expect(got.probabilities.spam).toBeCloseTo(want.probabilities.spam, 5);
      expect(Math.abs(got.probabilities.spam - truncated.probabilities.spam)).toBeGreaterThan(1e-6);
      await predictor.close();
    });
  });
});

describe('predictStream', () => {
  it('N inputs -> N outputs in input order, errors in place, with a bounded in-flight window and slow output', async () => {
    await expectNoLeaks(async () => {
      const predictor = await createPredictor(dir, { maxBatchSize: 3, maxWaitMs: 1 });
      const lines: string[] = [];
      for (let i = 0; i < 40; i++) lines.push(i % 7 === 3 ? '{not json' : i % 11 === 5 ? '' : JSON.stringify({ text: texts[i % 8] }));
      const input = Readable.from([Buffer.from(`${lines.join('\n')}\n`)]);
      // A tiny highWaterMark forces backpressure on nearly every write.
      const output = new PassThrough({ highWaterMark: 16 });
      const written: string[] = [];
      output.on('data', (chunk: Buffer) => {
        written.push(chunk.toString());
      });
      // Concurrent callers share the predictor with the stream.
      const others = Promise.all(texts.map((t) => predictor.predict(t)));
      const summary = await predictStream(predictor, input, output, { format: 'jsonl', maxInFlight: 5 });
      await others;
      output.end();
      const results = written
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as StreamResult);
      expect(summary.records).toBe(40);
      expect(results.map((r) => r.line)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      const errors = results.filter((r) => 'error' in r).map((r) => r.line);
      expect(errors).toEqual(lines.flatMap((l, i) => (l === '' || l === '{not json' ? [i + 1] : [])));
      expect(summary.errors).toBe(errors.length);
      const want = await reference(texts, 'truncate');
      results.forEach((r, i) => {
        if ('label' in r) expect(r.probabilities.spam).toBeCloseTo(want[i % 8].probabilities.spam, 5);
      });
      await predictor.close();
    });
  });
});
