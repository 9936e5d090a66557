/**
 * tfdistill's ONNX teacher on the standard workload: the peer's PyTorch teacher (same architecture, same seed as
 * `bench/peer/torch_kd.py`) exported to ONNX by `bench/peer/export_teacher_onnx.py`, loaded with `loadOnnxTeacher`
 * (ONNX Runtime in a worker thread) and timed at batch 32 x seq 128 and at batch 1, through the teacher's own
 * `predict` (host copy of the ids, int64 conversion, worker round trip and logits tensor included).
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOnnxTeacher, type OnnxTeacher } from '../src/models/onnx-teacher.js';
import type { Plan } from './measure.js';
import { timeMedian } from './time-median.js';
import { PEER_DIR } from './torch-peer.js';
import { randomBatch, workload } from './workload.js';

/** Where the exported teacher is kept between runs (git-ignored). */
export const PEER_TEACHER_ONNX = fileURLToPath(new URL('./.cache/peer-teacher.onnx', import.meta.url));
const EXPORT_SCRIPT = path.join(PEER_DIR, 'export_teacher_onnx.py');
/** A change to any of these makes the exported file stale. */
const EXPORT_SOURCES = [EXPORT_SCRIPT, path.join(PEER_DIR, 'peer_model.py'), path.join(PEER_DIR, 'flops.py')];

/**
 * The ONNX teacher's figures, or why they are missing.
 *
 * @example
 * ```ts
 * const onnx: OnnxTeacherFigures = { ok: false, reason: '--no-onnx' };
 * ```
 */
export type OnnxTeacherFigures =
  | {
      ok: true;
      teacherForwardSamplesPerSec: number;
      teacherLatencyMsB1: number;
      threads: number;
      ort: string;
      /** Largest |ONNX Runtime logit - torch logit| on the export's check batch (32 x 128 ids). */
      maxAbsDiffVsTorch: number;
    }
  | { ok: false; reason: string };

/**
 * The installed onnxruntime-node version, or undefined when it is not installed.
 *
 * @example
 * ```ts
 * onnxRuntimeVersion(); // '1.30.0'
 * ```
 */
export function onnxRuntimeVersion(): string | undefined {
  try {
    return (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * Returns the exported peer teacher, exporting it first (with `python`, which needs torch) when the file is missing
 * or older than the export script, `peer_model.py` or `flops.py`. Throws with python's last stderr line on failure.
 *
 * @example
 * ```ts
 * const file = ensurePeerTeacherOnnx({ python: '/usr/bin/python3', log: console.error }); // bench/.cache/peer-teacher.onnx
 * ```
 */
export function ensurePeerTeacherOnnx(o: { python: string; file?: string; log?: (m: string) => void }): string {
  const file = o.file ?? PEER_TEACHER_ONNX;
  const newest = Math.max(...EXPORT_SOURCES.map((f) => statSync(f).mtimeMs));
  if (existsSync(file) && existsSync(checkFile(file)) && statSync(file).mtimeMs >= newest) return file;
  if (!existsSync(o.python)) throw new Error(`${o.python} not found (the export needs python3 with torch)`);
  o.log?.(`exporting the peer teacher to ${path.relative(process.cwd(), file)} ...`);
  try {
    const out = execFileSync(o.python, ['-B', path.basename(EXPORT_SCRIPT), file], {
      cwd: PEER_DIR,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    o.log?.(out.trim().split('\n').at(-1) ?? '');
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? '')
      .trim()
      .split('\n')
      .at(-1);
    throw new Error(`export_teacher_onnx.py failed: ${stderr || (e as Error).message.split('\n')[0]}`);
  }
  return file;
}

/** The torch reference batch written beside the export: `peer-teacher.onnx` -> `peer-teacher.check.json`. */
function checkFile(onnxFile: string): string {
  return `${onnxFile.replace(/\.onnx$/, '')}.check.json`;
}

/**
 * Exports (when needed), loads and times the ONNX teacher: `plan.warmup` untimed then the median of `plan.steps`
 * calls at batch 32, and of `plan.latencyRuns` calls at batch 1; checks its logits against torch's first.
 *
 * @example
 * ```ts
 * const onnx = await measureOnnxTeacher({ plan: { warmup: 3, steps: 10, latencyRuns: 50 }, python: '/usr/bin/python3' });
 * if (onnx.ok) console.log(onnx.teacherForwardSamplesPerSec);
 * ```
 */
export async function measureOnnxTeacher(o: {
  plan: Plan;
  python: string;
  threads?: number;
  log?: (m: string) => void;
}): Promise<OnnxTeacherFigures> {
  o.log?.('tfdistill ONNX teacher (the peer teacher exported, ONNX Runtime) ...');
  const ort = onnxRuntimeVersion();
  if (!ort) return { ok: false, reason: 'onnxruntime-node is not installed' };
  const threads = o.threads ?? os.availableParallelism();
  let teacher: OnnxTeacher | undefined;
  try {
    const file = ensurePeerTeacherOnnx({ python: o.python, log: o.log });
    teacher = await loadOnnxTeacher(file, { threads });
    const maxAbsDiffVsTorch = await diffVsTorch(teacher, checkFile(file));
    const w = workload;
    const ids = tf.tensor2d(randomBatch(w, 1).inputIds, [w.batch, w.seq], 'int32'); // [batch, seq]
    const row = ids.slice([0, 0], [1, w.seq]); // [1, seq]
    const forward = (x: tf.Tensor2D) => async () => (await teacher!.predict(x)).logits.dispose();
    try {
      const b32 = await timeMedian(forward(ids), { warmup: o.plan.warmup, n: o.plan.steps });
      const b1 = await timeMedian(forward(row), { warmup: 3, n: o.plan.latencyRuns });
      return { ok: true, teacherForwardSamplesPerSec: w.batch / b32, teacherLatencyMsB1: b1 * 1000, threads, ort, maxAbsDiffVsTorch };
    } finally {
      tf.dispose([ids, row]);
    }
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  } finally {
    await teacher?.dispose();
  }
}

/** Runs the export's check batch through ONNX Runtime and returns the largest |logit difference| from torch's. */
async function diffVsTorch(teacher: OnnxTeacher, file: string): Promise<number> {
  const check = JSON.parse(readFileSync(file, 'utf8')) as { shape: [number, number]; input_ids: number[]; logits: number[] };
  const ids = tf.tensor2d(check.input_ids, check.shape, 'int32'); // [batch, seq]
  const { logits } = await teacher.predict(ids); // [batch, classes]
  const ours = logits.dataSync();
  tf.dispose([ids, logits]);
  if (ours.length !== check.logits.length) throw new Error(`ONNX teacher gave ${ours.length} logits, torch ${check.logits.length}`);
  return check.logits.reduce((m, t, i) => Math.max(m, Math.abs(ours[i] - t)), 0);
}
