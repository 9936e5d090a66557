import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { builtinDatasetPath } from '../data/readers/builtin-datasets.js';
import { TfdistillError } from '../errors.js';
import { loadClassifier } from '../io/classifier-checkpoint.js';
import { assertOutputFree } from '../io/output-path.js';
import { assertRemovable } from '../io/safe-remove.js';
import type { EncoderShape } from '../models/options.js';
import { countParameters } from '../models/summary.js';
import { loadRecords } from '../data/readers/read-records.js';
import { DISTILL_DEFAULTS } from '../train/distill-config.js';
import { distill } from '../train/distill.js';
import { teacherLogitsFor } from '../eval/logits-for.js';
import { evaluateStudent } from '../train/distill-eval.js';
import type { DistillResult } from '../train/distill-options.js';
import { teacherFromEncoder } from '../models/teacher.js';
import { prepareDatasets } from '../data/prepare.js';
import type { BackendName } from '../backend/backend-info.js';
import { parseMetrics, renderReport } from '../report/html-report.js';
import { checkpointSize } from './checkpoint-size.js';
import { medianLatencyMs } from './latency.js';

/** Settings of the built-in demo; `demoSettings.full` is what `tfdistill demo` runs. */
export interface DemoSettings {
  teacher: EncoderShape;
  student: EncoderShape;
  maxLength: number;
  vocabSize: number;
  teacherEpochs: number;
  studentEpochs: number;
  batchSize: number;
  /** Use only N evenly spaced rows of the corpus (undefined: all ~5,900). */
  limit?: number;
  latencyExamples: number;
}

/** Demo sizes: `full` finishes in minutes on 2 CPU cores; `quick` is for tests (TFDISTILL_QUICK=1). */
export const demoSettings = {
  full: {
    teacher: { dModel: 128, numLayers: 2, numHeads: 4, ffnDim: 512 },
    student: { dModel: 64, numLayers: 1, numHeads: 2, ffnDim: 256 },
    maxLength: 64,
    vocabSize: 6000,
    teacherEpochs: 2,
    studentEpochs: 3,
    batchSize: 32,
    latencyExamples: 50,
  },
  quick: {
    teacher: { dModel: 32, numLayers: 2, numHeads: 2, ffnDim: 64 },
    student: { dModel: 16, numLayers: 1, numHeads: 2, ffnDim: 32 },
    maxLength: 32,
    vocabSize: 500,
    teacherEpochs: 1,
    studentEpochs: 1,
    batchSize: 32,
    limit: 400,
    latencyExamples: 10,
  },
} satisfies Record<string, DemoSettings>;

/** One row of the comparison table. */
export interface DemoRow {
  model: 'teacher' | 'student';
  parameters: number;
  sizeBytes: number;
  gzipBytes: number;
  accuracy: number;
  macroF1: number;
  agreement: number;
  latencyMs: number;
}

/**
 * The main job on built-in, real data, offline: trains a teacher on the SpamAssassin public corpus (spam vs ham
 * emails), distills a smaller student from it, and compares them on the same held-out emails. An existing `out` is
 * refused (`OUTPUT_EXISTS`); with `force` (`tfdistill demo --force`) a previous demo in `out` is replaced, and a
 * folder holding anything else is still refused, never deleted.
 *
 * @example
 * ```ts
 * const { rows, table } = await runDemo({ out: 'tfdistill-demo' });
 * console.log(table);
 * ```
 */
export async function runDemo(opts: {
  out: string;
  settings?: DemoSettings;
  seed?: number;
  backend?: BackendName;
  threads?: number;
  replicas?: number | 'auto';
  force?: boolean;
  log?: (m: string) => void;
}): Promise<{ rows: DemoRow[]; table: string; teacher: DistillResult; student: DistillResult; seconds: number }> {
  const s: DemoSettings = opts.settings ?? demoSettings.full;
  const seed = opts.seed ?? DISTILL_DEFAULTS.seed;
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const t0 = performance.now();
  const out = path.resolve(opts.out);
  if (opts.force) await clearPreviousDemo(out);
  else await assertOutputFree(out, {});
  let data = builtinDatasetPath('spam-assassin');
  if (s.limit) {
    // A CSV record can span lines: parse, then rewrite `limit` evenly spaced rows (the file is sorted by class).
    const all = (await loadRecords(data)).records;
    const stride = Math.max(1, Math.floor(all.length / s.limit));
    const records = all.filter((_, i) => i % stride === 0).slice(0, s.limit);
    await fs.mkdir(out, { recursive: true });
    data = path.join(out, 'demo-subset.csv');
    const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
    await fs.writeFile(data, `${['text,label', ...records.map((r) => `${q(r.text)},${q(String(r.label))}`)].join('\n')}\n`);
  }
  // What both runs share; each adds its model, its epochs and how it reads the data.
  const common = {
    train: data,
    seed,
    checkpoints: { force: opts.force },
    runtime: { backend: opts.backend, threads: opts.threads, replicas: opts.replicas, handleSignals: true },
  };
  const schedule = (epochs: number) => ({ batchSize: s.batchSize, epochs });

  log('== 1/3 training the teacher on SpamAssassin (hard labels) ==');
  const teacher = await distill({
    ...common,
    out: path.join(out, 'teacher'),
    loss: { alpha: 0 },
    schedule: schedule(s.teacherEpochs),
    student: { ...s.teacher, dropout: 0.1 },
    data: { maxLength: s.maxLength, vocabSize: s.vocabSize },
  });
  teacher.student.dispose();
  if (teacher.interrupted) throw new Error('interrupted');

  log('== 2/3 distilling the student from the teacher ==');
  const student = await distill({
    ...common,
    out: path.join(out, 'student'),
    teacher: teacher.checkpointDir,
    student: { ...s.student },
    schedule: schedule(s.studentEpochs),
    loss: { temperature: 4, alpha: 0.7 },
    data: { maxLength: s.maxLength, cacheTeacher: true },
  });
  student.student.dispose();

  log('== 3/3 comparing them on the same held-out emails ==');
  const rows = await compare(teacher.checkpointDir, student.checkpointDir, data, s, seed);
  const seconds = (performance.now() - t0) / 1000;
  const table = formatTable(rows, seconds);
  await fs.writeFile(path.join(out, 'demo-table.txt'), `${table}\n`);
  const studentRun = path.join(out, 'student');
  const metrics = parseMetrics(await fs.readFile(path.join(studentRun, 'metrics.jsonl'), 'utf8').catch(() => ''));
  await fs.writeFile(
    path.join(out, 'report.html'),
    renderReport({
      title: 'tfdistill demo: SpamAssassin spam vs ham',
      metrics,
      comparison: tableCells(rows),
      notes: [`total ${seconds.toFixed(0)} s on ${tf.getBackend()}`, `teacher run: teacher/report.html, student run: student/report.html`],
    }),
  );
  return { rows, table, teacher, student, seconds };
}

/** What the demo writes into its output folder; `force` replaces a folder holding nothing else. */
const DEMO_ENTRIES = new Set(['teacher', 'student', 'demo-subset.csv', 'demo-table.txt', 'report.html']);

/**
 * Empties `out` for a fresh demo, but only when it holds a previous demo (or nothing): `tfdistill demo --out ~/work`
 * must refuse (`OUTPUT_EXISTS`) instead of deleting the user's folder.
 */
async function clearPreviousDemo(out: string): Promise<void> {
  const info = await fs.stat(out).catch(() => undefined);
  if (info === undefined) return;
  if (!info.isDirectory()) throw new TfdistillError('OUTPUT_EXISTS', `${out} exists and is not a directory`, 'choose another --out folder');
  const foreign = (await fs.readdir(out)).filter((e) => !DEMO_ENTRIES.has(e));
  if (foreign.length > 0) {
    throw new TfdistillError(
      'OUTPUT_EXISTS',
      `${out} holds files the demo did not write (${foreign
        .slice(0, 3)
        .map((e) => JSON.stringify(e))
        .join(', ')}${foreign.length > 3 ? ', ...' : ''}); refusing to replace it`,
      'choose a new or empty --out folder (the demo writes teacher/, student/ and report.html there)',
    );
  }
  assertRemovable(out);
  await fs.rm(out, { recursive: true, force: true });
}

async function compare(teacherDir: string, studentDir: string, data: string, s: DemoSettings, seed: number): Promise<DemoRow[]> {
  const t = await loadClassifier(teacherDir);
  const st = await loadClassifier(studentDir);
  try {
    // The same split the runs used (same data, seed and fraction), tokenized with the shared tokenizer.
    const { validation } = await prepareDatasets({ train: data, seed, maxLength: s.maxLength, tokenizer: t.tokenizer, labels: t.labels });
    const teacherLogits = await teacherLogitsFor(validation, teacherFromEncoder(t.model), 64);
    const rows: DemoRow[] = [];
    for (const [name, ck] of [
      ['teacher', t],
      ['student', st],
    ] as const) {
      const m = await evaluateStudent(ck.model, { validation, labeled: true, padding: { padId: t.tokenizer.padId } }, teacherLogits, 64);
      const size = await checkpointSize(ck.dir);
      const latencyMs = await medianLatencyMs(ck.model, validation.slice(0, s.latencyExamples));
      rows.push({
        model: name,
        parameters: countParameters(ck.model),
        sizeBytes: size.raw,
        gzipBytes: size.gzip,
        accuracy: m.accuracy ?? NaN,
        macroF1: m.macroF1 ?? NaN,
        agreement: m.agreement ?? NaN,
        latencyMs,
      });
    }
    return rows;
  } finally {
    t.model.dispose();
    st.model.dispose();
  }
}

/** The demo's comparison table as fixed-width text. */
export function formatTable(rows: DemoRow[], seconds: number): string {
  const lines = tableCells(rows);
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  const text = lines.map((l) => l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
  return `${text}\n\nbackend ${tf.getBackend()}, total ${seconds.toFixed(0)} s`;
}

/** The comparison table's cells; the first row is the header. */
export function tableCells(rows: DemoRow[]): string[][] {
  const [t, s] = rows;
  const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  const lines = [
    ['', 'teacher', 'student', 'student/teacher'],
    [
      'parameters',
      t.parameters.toLocaleString('en-US'),
      s.parameters.toLocaleString('en-US'),
      `${(s.parameters / t.parameters).toFixed(3)}x`,
    ],
    ['size on disk', mb(t.sizeBytes), mb(s.sizeBytes), `${(s.sizeBytes / t.sizeBytes).toFixed(3)}x`],
    ['size gzip', mb(t.gzipBytes), mb(s.gzipBytes), `${(s.gzipBytes / t.gzipBytes).toFixed(3)}x`],
    ['accuracy', pct(t.accuracy), pct(s.accuracy), `${((s.accuracy - t.accuracy) * 100).toFixed(2)} pts`],
    ['macro-F1', pct(t.macroF1), pct(s.macroF1), `${((s.macroF1 - t.macroF1) * 100).toFixed(2)} pts`],
    ['teacher agreement', pct(t.agreement), pct(s.agreement), ''],
    [
      'latency / example (b1, median)',
      `${t.latencyMs.toFixed(2)} ms`,
      `${s.latencyMs.toFixed(2)} ms`,
      `${(t.latencyMs / s.latencyMs).toFixed(2)}x faster`,
    ],
  ];
  return lines;
}
