/**
 * `tfdistill train` / `eval` with Hugging Face ONNX teachers (test/fixtures/hf, made by scripts/fixtures): a BERT-shaped
 * pair classifier and a RoBERTa-shaped single-text one whose tokenizer pads with id 1.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readVectorFile } from '../../src/serve/vector-file.js';
import { runCli } from './run-cli.js';

const HF = path.resolve('test/fixtures/hf');
let tmp: string;
const files: Record<'pairsTrain' | 'pairsHeld' | 'singleTrain' | 'singleHeld', string> = {} as never;

/** Every 5th row held out (the fixture files are ordered by class). */
async function split(name: string, source: string, columns: string[]): Promise<[string, string]> {
  const rows = parse(await fs.readFile(source, 'utf8'), { columns: true }) as Record<string, string>[];
  const write = async (suffix: string, part: Record<string, string>[]) => {
    const file = path.join(tmp, `${name}-${suffix}.csv`);
    const cell = (v: string) => `"${v.replace(/"/g, '""')}"`;
    await fs.writeFile(file, `${[columns.join(','), ...part.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n')}\n`);
    return file;
  };
  return [
    await write(
      'train',
      rows.filter((_, i) => i % 5 !== 0),
    ),
    await write(
      'held',
      rows.filter((_, i) => i % 5 === 0),
    ),
  ];
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfd-hf-cli-'));
  [files.pairsTrain, files.pairsHeld] = await split('pairs', path.join(HF, 'pairs.csv'), ['text', 'text_pair', 'label']);
  [files.singleTrain, files.singleHeld] = await split('single', path.join(HF, 'single.csv'), ['text', 'label']);
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

const small = [
  '--epochs',
  '3',
  '--student-dim',
  '32',
  '--student-layers',
  '1',
  '--max-length',
  '64',
  '--vocab-size',
  '1000',
  '--backend',
  'wasm',
];

/** Agreement on held-out rows, and what always answering the teacher's most frequent class would score. */
async function heldOutAgreement(
  student: string,
  held: string,
  teacher: string,
  extra: string[] = [],
): Promise<{ agreement: number; chance: number }> {
  const r = await runCli(['eval', student, held, '--teacher', teacher, '--json', '--backend', 'wasm', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  const result = JSON.parse(r.stdout) as { agreement: number; count: number; confusion: number[][]; teacherAccuracy: number };
  // Chance for a student that ignores its input: the share of the teacher's most common prediction, which the
  // teacher's accuracy bounds from the class balance (the fixtures are about half spam).
  const labels = parse(await fs.readFile(held, 'utf8'), { columns: true }) as Array<{ label: string }>;
  const spam = labels.filter((l) => l.label === 'spam').length / labels.length;
  return { agreement: result.agreement, chance: Math.max(spam, 1 - spam) };
}

describe('tfdistill with a Hugging Face ONNX teacher folder', () => {
  it('sentence pairs: train --teacher <bert export> --text-pair-column gives a student that agrees with the teacher', async () => {
    const out = path.join(tmp, 'pairs-run');
    const t = await runCli([
      'train',
      '--teacher',
      path.join(HF, 'bert-tiny'),
      '--data',
      files.pairsTrain,
      '--text-pair-column',
      'text_pair',
      '--out',
      out,
      ...small,
    ]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toContain('trained a WordPiece tokenizer (1000 tokens)');
    const meta = JSON.parse(await fs.readFile(path.join(out, 'student', 'tfdistill.json'), 'utf8'));
    expect(meta.labels).toEqual(['ham', 'spam']); // config.json id2label
    expect(meta.modelConfig).toMatchObject({ typeVocabSize: 2, padId: 0 });
    const { agreement, chance } = await heldOutAgreement(path.join(out, 'student'), files.pairsHeld, path.join(HF, 'bert-tiny'), [
      '--text-pair-column',
      'text_pair',
    ]);
    expect(agreement).toBeGreaterThan(chance + 0.15);

    const p = await runCli([
      'predict',
      path.join(out, 'student'),
      '--text',
      'Win a FREE cruise',
      '--text-pair',
      'Click here now!!!',
      '--backend',
      'wasm',
    ]);
    expect(p.code, p.stderr).toBe(0);
    expect(Object.keys(JSON.parse(p.stdout).probabilities)).toEqual(['ham', 'spam']);

    // The web page has one text box: a pair student is refused with a clear line, nothing written.
    const web = await runCli(['export-web', path.join(out, 'student'), '--out', path.join(tmp, 'pairs-web'), '--backend', 'wasm']);
    expect(web.code).toBe(1);
    expect(web.stderr).toMatch(/reads sentence pairs; the exported page classifies single texts/);
    expect(await fs.stat(path.join(tmp, 'pairs-web')).catch(() => undefined)).toBeUndefined();
  });

  it.each(['train', 'teacher'])('single texts, RoBERTa-style teacher (pad id 1), --student-tokenizer %s', async (studentTokenizer) => {
    const out = path.join(tmp, `single-${studentTokenizer}`);
    const t = await runCli([
      'train',
      '--teacher',
      path.join(HF, 'roberta-tiny'),
      '--data',
      files.singleTrain,
      '--student-tokenizer',
      studentTokenizer,
      '--out',
      out,
      ...small,
    ]);
    expect(t.code, t.stderr).toBe(0);
    const meta = JSON.parse(await fs.readFile(path.join(out, 'student', 'tfdistill.json'), 'utf8'));
    // Reusing the teacher's byte-level BPE file means padding with its <pad> = 1.
    expect(meta.modelConfig.padId).toBe(studentTokenizer === 'teacher' ? 1 : 0);
    const { agreement, chance } = await heldOutAgreement(path.join(out, 'student'), files.singleHeld, path.join(HF, 'roberta-tiny'));
    expect(agreement).toBeGreaterThan(chance + 0.15);
  });
});

describe('tfdistill with a bad ONNX teacher: a clear error, nothing written', () => {
  const copyTeacher = async (name: string, edit: (dir: string) => Promise<void>) => {
    const dir = path.join(tmp, name);
    await fs.cp(path.join(HF, 'bert-tiny'), dir, { recursive: true });
    await edit(dir);
    return dir;
  };
  const train = (teacher: string, out: string, extra: string[] = []) =>
    runCli([
      'train',
      '--teacher',
      teacher,
      '--data',
      files.pairsTrain,
      '--text-pair-column',
      'text_pair',
      '--out',
      out,
      ...small,
      ...extra,
    ]);

  // The library's codes for these are tested in src/io/resolve-onnx-teacher.test.ts; the CLI prints the message.
  it.each<[string, (dir: string) => Promise<void>, RegExp]>([
    ['not ONNX', (d) => fs.writeFile(path.join(d, 'model.onnx'), 'not a model'), /not a usable ONNX model/],
    [
      'truncated',
      async (d) => {
        const b = await fs.readFile(path.join(d, 'model.onnx'));
        await fs.writeFile(path.join(d, 'model.onnx'), b.subarray(0, 5000));
      },
      /not a usable ONNX model/,
    ],
    [
      '3 labels in id2label, 2 logits',
      async (d) => {
        const config = JSON.parse(await fs.readFile(path.join(d, 'config.json'), 'utf8'));
        await fs.writeFile(path.join(d, 'config.json'), JSON.stringify({ ...config, id2label: { 0: 'ham', 1: 'spam', 2: 'phish' } }));
      },
      /gives 2 logits per row but config.json id2label names 3 classes/,
    ],
    [
      'labels the data does not use',
      async (d) => {
        const config = JSON.parse(await fs.readFile(path.join(d, 'config.json'), 'utf8'));
        await fs.writeFile(path.join(d, 'config.json'), JSON.stringify({ ...config, id2label: { 0: 'NEGATIVE', 1: 'POSITIVE' } }));
      },
      /unknown label 'ham' \(known labels: NEGATIVE, POSITIVE\)/,
    ],
    [
      'an unsupported tokenizer model',
      async (d) => {
        const tok = JSON.parse(await fs.readFile(path.join(d, 'tokenizer.json'), 'utf8'));
        await fs.writeFile(path.join(d, 'tokenizer.json'), JSON.stringify({ ...tok, model: { ...tok.model, type: 'CharLevel' } }));
      },
      /CharLevel/,
    ],
  ])('%s', async (name, edit, message) => {
    const teacher = await copyTeacher(name.replace(/\W+/g, '-'), edit);
    const out = path.join(tmp, `bad-${name.replace(/\W+/g, '-')}`);
    const r = await train(teacher, out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace for a user's mistake
    // Nothing half-written: at most the empty run directory.
    expect(await fs.readdir(out).catch(() => [])).toEqual([]);
  });
});

describe('tfdistill train --task embedding with an ONNX sentence-embedding teacher, then eval and predict', () => {
  it('trains from the texts alone, evaluates against the teacher, and embeds texts (JSON vectors)', async () => {
    const out = path.join(tmp, 'embedding-run');
    const teacher = path.join(HF, 'sentence-embedder');
    const t = await runCli(['train', '--task', 'embedding', '--teacher', teacher, '--data', files.singleTrain, '--out', out, ...small]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/recall@10 of the teacher's neighbours \d+\.\d+%, Spearman -?\d\.\d+, mean cosine -?\d\.\d+/);
    const e = await runCli(['eval', out, files.singleHeld, '--teacher', teacher, '--json', '--backend', 'wasm']);
    expect(e.code, e.stderr).toBe(0);
    const result = JSON.parse(e.stdout) as { count: number; recallAt10: number; spearman: number; meanCosine: number };
    expect(result.count).toBe(119);
    expect(result.meanCosine).toBeGreaterThan(0.5);
    const p = await runCli(['predict', out, '--text', 'win a free prize now', '--backend', 'wasm']);
    expect(p.code, p.stderr).toBe(0);
    expect((JSON.parse(p.stdout) as { vector: number[] }).vector).toHaveLength(16);
    const vectors = path.join(tmp, 'held.vec');
    const v = await runCli(['predict', out, files.singleHeld, '--vectors-out', vectors, '--vectors-dtype', 'float16', '--backend', 'wasm']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).toMatch(/wrote 119 vectors of 16 float16 values to/);
    const read = await readVectorFile(vectors);
    expect([read.rows, read.dim, read.dtype]).toEqual([119, 16, 'float16']);
    expect(read.values.every(Number.isFinite)).toBe(true);
    const noTeacher = await runCli(['eval', out, files.singleHeld, '--backend', 'wasm']);
    expect(noTeacher.code).toBe(1);
    expect(noTeacher.stderr).toMatch(/give the teacher/);
  });
});
