import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/models/register.js'; // registers the encoder layers, as `import 'tfdistill'` does
import { useBackend } from '../../src/backend/use-backend.js';
import { loadTokenizer } from '../../src/data/tokenizer/tokenizer-files.js';
import { expectNoLeaks } from '../helpers.js';
import { tinyTexts } from '../tiny-checkpoint.js';
import { runCli } from './run-cli.js';

let tmp: string;
let csv: string;
beforeAll(async () => {
  await useBackend('wasm');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfd-cli-'));
  csv = path.join(tmp, 'train.csv');
  const rows = Array.from({ length: 6 }, () => tinyTexts).flat();
  await fs.writeFile(csv, `${['text,label', ...rows.map((r) => `"${r.text}",${r.label}`)].join('\n')}\n`);
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

const tiny = ['--max-length', '16', '--epochs', '1', '--batch-size', '8', '--backend', 'wasm'];

describe('tfdistill CLI end to end', () => {
  it('train-teacher -> train -> a checkpoint stock tfjs loads and predicts with', async () => {
    const t = await runCli([
      'train-teacher',
      '--data',
      csv,
      '--preset',
      'studentTiny',
      '--vocab-size',
      '120',
      '--out',
      path.join(tmp, 't'),
      ...tiny,
    ]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/teacher saved to .*t[/\\]teacher/);

    // A tiny student of the teacher in t/, written to `out`.
    const train = (out: string, flags: string[]) =>
      runCli([
        'train',
        '--teacher',
        path.join(tmp, 't'),
        '--data',
        csv,
        '--student-dim',
        '16',
        '--student-layers',
        '1',
        '--out',
        out,
        ...flags,
      ]);
    const s = await train(path.join(tmp, 'run'), tiny);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/student saved to/);
    expect(s.stdout).toMatch(/samples\/s/);

    // Stock tfjs: model.json + shards through tf.io.fromMemory, no tfdistill loader involved.
    const dir = path.join(tmp, 'run', 'student');
    const modelJson = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    const specs = modelJson.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
    const shards = await Promise.all(
      modelJson.weightsManifest.flatMap((g: { paths: string[] }) => g.paths).map((p: string) => fs.readFile(path.join(dir, p))),
    );
    const bytes = Buffer.concat(shards);
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: specs,
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      }),
    );
    const tokenizer = await loadTokenizer(path.join(dir, 'tokenizer.json'));
    await expectNoLeaks(async () => {
      const ids = tf.tensor2d([Array.from(tokenizer.encode('win free money now', 16))], undefined, 'int32');
      const out = model.predict(ids) as tf.Tensor;
      expect(out.shape).toEqual([1, 2]);
      const probs = tf.softmax(out);
      const p = await probs.data();
      expect(p[0] + p[1]).toBeCloseTo(1, 5);
      tf.dispose([ids, out, probs]);
    });
    model.dispose();

    // Without --max-length the student reads what the teacher reads (16 here), not the default 128.
    const noLength = tiny.filter((f, i) => f !== '--max-length' && tiny[i - 1] !== '--max-length');
    const s2 = await train(path.join(tmp, 'run-teacher-length'), noLength);
    expect(s2.code, s2.stderr).toBe(0);
    const meta = JSON.parse(await fs.readFile(path.join(tmp, 'run-teacher-length', 'student', 'tfdistill.json'), 'utf8'));
    expect(meta.modelConfig.maxLength).toBe(16);

    // The report is produced and well-formed.
    const html = await fs.readFile(path.join(tmp, 'run', 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('</html>');
    expect(html).toContain('Confusion matrix');
    const metrics = (await fs.readFile(path.join(tmp, 'run', 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(metrics.some((m) => m.kind === 'eval')).toBe(true);
  });

  it('refuses to overwrite an existing run without --force, in one line without a stack trace', async () => {
    const out = path.join(tmp, 'exists');
    await fs.mkdir(out, { recursive: true });
    await fs.writeFile(path.join(out, 'keep.txt'), 'mine');
    const r = await runCli(['train-teacher', '--data', csv, '--out', out, ...tiny]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already exists/);
    expect(r.stderr).toMatch(/hint: .*--force/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await fs.readFile(path.join(out, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('user errors exit 1 with one line; bad arguments exit 2', async () => {
    const missing = await runCli(['train', '--data', path.join(tmp, 'nope.csv'), '--out', path.join(tmp, 'x'), ...tiny]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const bad = await runCli(['train', '--data', csv, '--no-such-flag']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown argument/);
    const noCommand = await runCli([]);
    expect(noCommand.code).toBe(2);
  });

  it('demo --quick trains, distills and prints the comparison table', async () => {
    const r = await runCli(['demo', '--quick', '--out', path.join(tmp, 'demo'), '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    for (const row of ['parameters', 'size on disk', 'accuracy', 'macro-F1', 'teacher agreement', 'latency / example']) {
      expect(r.stdout).toContain(row);
    }
    expect(r.stdout).toMatch(/x faster/);
    await fs.access(path.join(tmp, 'demo', 'report.html'));
  });
});
