import fs from 'node:fs/promises';
import path from 'node:path';
import { useBackend } from '../backend/use-backend.js';
import { TfdistillError } from '../errors.js';
import { registerFileRouter } from '../io/file-router.js';
import { assertRemovable } from '../io/safe-remove.js';
import { resolveDistillConfig, type DistillConfig } from './distill-config.js';
import { finishRun } from './distill-finish.js';
import { trainLoop } from './distill-loop.js';
import type { DistillOptions, DistillResult } from './distill-options.js';
import { prepareRun } from './distill-prepare.js';
import { validateDistillOptions } from './distill-validate.js';
import { resolveReplicas } from './parallel/distill-replicas.js';
import { wasmAbortAsError } from '../backend/wasm-abort.js';
import { StopSignal } from './stop-signal.js';

/**
 * Distills a teacher into a student: the library's main entry point.
 *
 * One step: the frozen teacher runs in inference mode outside the gradient tape (or its cached logits are used), the
 * student runs in training mode, the loss is alpha * T^2 * KL(teacher || student) + (1 - alpha) * CE(labels) (+ any
 * intermediate-layer terms), and AdamW updates the student's variables only. Around it: LR warmup and decay,
 * global-norm clipping, gradient accumulation, emulated mixed precision with dynamic loss scaling, evaluation with
 * best-checkpoint selection and early stopping, atomic checkpoints with exact resume, graceful Ctrl-C, progress and
 * `metrics.jsonl`, and at the end `out/student` (the exported student) and `out/report.html`.
 *
 * @example
 * ```ts
 * const result = await distill({
 *   teacher: 'teacher/', train: 'train.csv', student: { dModel: 128 },
 *   loss: { temperature: 4, alpha: 0.7 }, schedule: { epochs: 3 }, out: 'runs/student',
 * });
 * console.log(result.best?.metrics.accuracy, result.checkpointDir); // runs/student/student
 * ```
 */
export async function distill(options: DistillOptions): Promise<DistillResult> {
  validateDistillOptions(options);
  const config = resolveDistillConfig(options);
  const { runtime } = config;
  const backend = await useBackend(runtime.backend, { wasmThreads: runtime.threads });
  registerFileRouter();
  const out = await prepareOutDir(config);
  const log = (msg: string) => config.logging.progress.write(`${msg}\n`);

  const replicas = resolveReplicas(runtime.replicas, backend.name, log);
  const run = await prepareRun(config, { log, replicas, backend: backend.name });
  const stop = runtime.handleSignals ? new StopSignal({ stream: config.logging.progress }) : undefined;
  try {
    const outcome = await trainLoop({ config, run, out, backend: backend.name, replicas, log, stop });
    return await finishRun({ config, out, run, outcome, log });
  } catch (err) {
    if (run.student.owned) run.student.model.dispose();
    throw wasmAbortAsError(err);
  } finally {
    stop?.dispose();
    await run.teacher?.dispose();
  }
}

/** The absolute run directory, created; one that holds a previous run is only reused with `resume` or `force`. */
async function prepareOutDir(config: DistillConfig): Promise<string> {
  const out = path.resolve(config.out);
  const { resume, force } = config.checkpoints;
  const info = await fs.stat(out).catch(() => undefined);
  if (info !== undefined && !info.isDirectory()) {
    throw new TfdistillError('OUTPUT_EXISTS', `${out} exists and is not a directory`, 'choose a directory for out (--out)');
  }
  const entries = await fs.readdir(out).catch(() => undefined);
  if (entries && entries.length > 0 && !resume) {
    if (!force) {
      throw new TfdistillError(
        'OUTPUT_EXISTS',
        `${out} already exists and is not empty`,
        'pass checkpoints.resume (--resume) to continue that run, checkpoints.force (--force) to replace it, or choose another out',
      );
    }
    assertRemovable(out);
    await fs.rm(out, { recursive: true, force: true });
  }
  await fs.mkdir(out, { recursive: true }).catch((e: Error) => {
    throw new TfdistillError('IO_ERROR', `cannot create the run directory ${out}: ${e.message}`, 'choose another out (--out)');
  });
  return out;
}
