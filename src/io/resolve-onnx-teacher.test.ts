import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectTfdistillError } from '../../test/fixtures/data/helpers.js';
import { maxAbsDiff } from '../../test/helpers.js';
import type { OnnxEmbeddingOptions } from '../models/onnx-session.js';
import { teacherLogitsAsync } from '../models/teacher-logits.js';
import { resolveTeacher } from './resolve-teacher.js';

const HF = path.resolve('test/fixtures/hf');
let tmp: string;
beforeAll(async () => {
  await useBackend('wasm');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfd-onnx-teacher-'));
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

/** A copy of the bert-tiny export with one file replaced. */
async function variant(name: string, file: string, content: string | ((text: string) => string)): Promise<string> {
  const dir = path.join(tmp, name);
  await fs.cp(path.join(HF, 'bert-tiny'), dir, { recursive: true });
  const text = typeof content === 'string' ? content : content(await fs.readFile(path.join(dir, file), 'utf8'));
  await fs.writeFile(path.join(dir, file), text);
  return dir;
}

describe('resolveTeacher with Hugging Face ONNX exports', () => {
  it.each([
    ['bert-tiny', 0],
    ['roberta-tiny', 1],
  ] as const)('%s: folder -> async teacher, labels from id2label, its tokenizer', async (name, padId) => {
    const t = await resolveTeacher(path.join(HF, name), { threads: 1 });
    try {
      expect(t.teacher.async).toBe(true);
      expect(t.external).toBe(true);
      expect(t.labels).toEqual(['ham', 'spam']);
      expect(t.maxLength).toBe(128);
      expect(t.tokenizer?.padId).toBe(padId);
      expect(t.stableId).toBe(true);
      expect(t.id).toMatch(/^onnx:.*model\.onnx:/);
    } finally {
      await t.dispose();
    }
  });

  it('a bare .onnx file in an export folder finds its config and tokenizer; one elsewhere needs a tokenizer', async () => {
    const t = await resolveTeacher(path.join(HF, 'roberta-tiny', 'onnx', 'model.onnx'), { threads: 1 });
    expect(t.labels).toEqual(['ham', 'spam']);
    await t.dispose();
    const lone = path.join(tmp, 'lone.onnx');
    await fs.copyFile(path.join(HF, 'bert-tiny', 'model.onnx'), lone);
    await expectTfdistillError(() => resolveTeacher(lone), 'INVALID_ARGUMENT');
    const withTokenizer = await resolveTeacher(lone, { tokenizer: path.join(HF, 'bert-tiny', 'tokenizer.json'), threads: 1 });
    expect(withTokenizer.labels).toBeUndefined(); // no config.json: the data's labels are used
    await withTokenizer.dispose();
  });

  it('refuses what it cannot use, each with its code', async () => {
    await expectTfdistillError(async () => resolveTeacher(await variant('not-onnx', 'model.onnx', 'garbage')), 'CHECKPOINT_INVALID');
    const wide = await variant('wide', 'config.json', (t) => JSON.stringify({ ...JSON.parse(t), id2label: { 0: 'a', 1: 'b', 2: 'c' } }));
    await expectTfdistillError(() => resolveTeacher(wide), 'SHAPE_MISMATCH');
    const badTok = await variant('bad-tokenizer', 'tokenizer.json', (t) =>
      JSON.stringify({ ...JSON.parse(t), model: { type: 'CharLevel' } }),
    );
    await expectTfdistillError(() => resolveTeacher(badTok), 'TOKENIZER_INVALID');
    // A feature-extraction export: no logits output.
    const features = path.join(tmp, 'features');
    await fs.cp(path.join(HF, 'feature-extraction'), features, { recursive: true });
    await fs.cp(path.join(HF, 'bert-tiny', 'tokenizer.json'), path.join(features, 'tokenizer.json'));
    const err = await expectTfdistillError(() => resolveTeacher(features), 'CHECKPOINT_INVALID');
    expect(err.message).toContain('no usable logits output (outputs: last_hidden_state, pooler_output)');
  });
});

describe('resolveTeacher with a sentence-embedding ONNX export (task embedding)', () => {
  /** The teacher's vectors for texts, as one right-padded batch. */
  async function vectorsOf(embedding: OnnxEmbeddingOptions, texts: string[]) {
    const t = await resolveTeacher(path.join(HF, 'sentence-embedder'), { threads: 1, embedding });
    try {
      const rows = texts.map((text) => t.tokenizer!.encode(text, 32));
      const seq = Math.max(...rows.map((r) => r.length));
      const ids = new Int32Array(rows.length * seq);
      const mask = new Int32Array(rows.length * seq);
      rows.forEach((r, i) => {
        ids.set(r, i * seq);
        mask.fill(1, i * seq, i * seq + r.length);
      });
      const { values, classes } = await teacherLogitsAsync(t.teacher, ids, rows.length, seq, { attentionMask: mask });
      return { values, classes, labels: t.labels, id: t.id };
    } finally {
      await t.dispose();
    }
  }
  const texts = ['Free money, click now!', 'the team meeting moved to friday', 'ok'];

  it("reads the graph's own sentence_embedding by default, and the same vectors from last_hidden_state + mean + L2", async () => {
    const graph = await vectorsOf({}, texts);
    expect(graph.classes).toBe(16);
    expect(graph.labels).toBeUndefined();
    const ours = await vectorsOf({ output: 'last_hidden_state', pooling: 'mean', normalize: true }, texts);
    expect(maxAbsDiff(ours.values, graph.values)).toBeLessThan(1e-5);
    for (let r = 0; r < texts.length; r++) {
      const norm = Math.hypot(...ours.values.subarray(r * 16, r * 16 + 16));
      expect(norm).toBeCloseTo(1, 5);
    }
    expect(ours.id).not.toBe(graph.id); // other settings, other teacher cache
    const cls = await vectorsOf({ output: 'last_hidden_state', pooling: 'cls' }, texts);
    expect(maxAbsDiff(cls.values, graph.values)).toBeGreaterThan(0.01);
  });

  it('names the outputs when the one asked for is missing', async () => {
    const err = await expectTfdistillError(() => vectorsOf({ output: 'pooler_output' }, texts), 'CHECKPOINT_INVALID');
    expect(err.message).toContain("no usable embedding output named 'pooler_output' (outputs: last_hidden_state, sentence_embedding)");
  });
});
