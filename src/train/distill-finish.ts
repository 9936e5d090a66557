import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { saveClassifier } from '../io/classifier-checkpoint.js';
import { loadModel } from '../io/load-model.js';
import { countParameters } from '../models/summary.js';
import { encoderOutputs } from '../models/outputs.js';
import { logitsFor } from '../eval/logits-for.js';
import { parseMetrics, renderReport } from '../report/html-report.js';
import type { DistillConfig } from './distill-config.js';
import { PCA_FILE, pcaToJson } from '../data/pca.js';
import type { LoopOutcome } from './distill-loop.js';
import type { DistillResult } from './distill-options.js';
import type { PreparedRun } from './distill-prepare.js';

/** The exported student inside a run directory (`checkpoints.exportDir` names another; `train-teacher` uses `teacher`). */
export const STUDENT_DIR = 'student';

/**
 * Ends a run: restores the best weights (when a validation set chose one), exports the student to `out/student`
 * (or `out/<checkpoints.exportDir>`; float16 weights after `mixed-float16` training), writes `out/report.html`, and
 * assembles the result. An interrupted run exports nothing: its step checkpoint is what to resume from.
 *
 * @example
 * ```ts
 * return finishRun({ config, out, run, outcome: await trainLoop({ config, run, out, ... }), log });
 * ```
 */
export async function finishRun(args: {
  config: DistillConfig;
  out: string;
  run: PreparedRun;
  outcome: LoopOutcome;
  log: (m: string) => void;
}): Promise<DistillResult> {
  const { out, run, log } = args;
  const { snap, checkpoints, bestMetric, interrupted } = args.outcome;
  const { precision } = args.config.runtime;
  const { exportDir } = args.config.checkpoints;
  const student = run.student.model;
  const checkpointDir = path.join(out, exportDir);
  if (!interrupted) {
    if (snap.best && snap.best.step !== snap.step) {
      const best = await loadModel(checkpoints.dirFor(snap.best.step));
      student.setWeights(best.model.getWeights());
      best.model.dispose();
      log(`restored the best weights (step ${snap.best.step}, ${bestMetric} ${snap.best.value.toFixed(4)})`);
    }
    await fs.rm(checkpointDir, { recursive: true, force: true });
    await saveClassifier(student, checkpointDir, {
      tokenizer: run.data.tokenizer,
      labels: run.data.labels,
      modelConfig: run.student.config,
      task: args.config.task,
      ...(run.pca ? { files: { [PCA_FILE]: pcaToJson(run.pca) } } : {}),
      weightDtype: precision === 'mixed-float16' ? 'float16' : 'float32',
      meta: { metrics: snap.best ? numeric(snap.best.metrics) : undefined, extra: { trainedSteps: snap.step, precision, bestMetric } },
    });
    await writeReport(args);
  }
  const t = args.outcome.throughput;
  log(
    `throughput: ${t.samplesPerSec.toFixed(1)} samples/s, ${t.tokensPerSec.toFixed(0)} tokens/s on ${t.backend} (${t.seconds.toFixed(1)} s training)`,
  );
  if (!interrupted) log(`${exportDir} saved to ${checkpointDir}`);
  return {
    history: snap.history,
    best: snap.best ? { step: snap.best.step, metrics: snap.best.metrics } : undefined,
    checkpointDir,
    student,
    tokenizer: run.data.tokenizer,
    labels: run.data.labels,
    steps: snap.step,
    stoppedEarly: args.outcome.stoppedEarly,
    interrupted,
    throughput: t,
  };
}

async function writeReport(args: Parameters<typeof finishRun>[0]): Promise<void> {
  const { out, run } = args;
  const { snap, bestMetric, throughput } = args.outcome;
  const { precision } = args.config.runtime;
  const metrics = parseMetrics(await fs.readFile(path.join(out, 'metrics.jsonl'), 'utf8').catch(() => ''));
  const last = snap.best?.metrics ?? snap.history.at(-1)?.metrics;
  const fmt = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(4));
  const teacherParams = run.teacher?.layersModel ? countParameters(run.teacher.layersModel) : undefined;
  const studentParams = countParameters(run.student.model);
  const comparison = [
    ['model', 'parameters', 'accuracy', 'agreement with teacher'],
    ['teacher', teacherParams?.toLocaleString('en-US') ?? '-', fmt(last?.teacherAccuracy), '1.0000'],
    ['student', studentParams.toLocaleString('en-US'), fmt(last?.accuracy), fmt(last?.agreement)],
  ];
  const html = renderReport({
    title: `tfdistill run: ${path.basename(out)}`,
    metrics,
    comparison,
    confusion: await confusionOf(run),
    notes: [
      `${snap.step} optimizer steps; throughput ${throughput.samplesPerSec.toFixed(1)} samples/s on ${throughput.backend}`,
      `precision: ${precision}`,
      `best ${bestMetric}: ${fmt(snap.best?.value)} at step ${snap.best?.step ?? '-'}`,
    ],
  });
  await fs.writeFile(path.join(out, 'report.html'), html);
}

/** Student confusion matrix on the validation set (rows: true class, columns: predicted), when labelled. */
async function confusionOf(run: PreparedRun): Promise<{ labels: string[]; matrix: number[][] } | undefined> {
  const { validation, labels, labeled } = run.data;
  if (!labeled || validation.length === 0 || labels.length === 0) return undefined;
  const { logits, numClasses } = await logitsFor(
    validation,
    (ids, typeIds) => tf.tidy(() => encoderOutputs(run.student.model, ids, { training: false, typeIds }).logits),
    { batchSize: 64, padding: run.data.padding },
  );
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  validation.forEach((e, i) => {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (logits[i * numClasses + c] > logits[i * numClasses + best]) best = c;
    if (e.label !== undefined && matrix[e.label]) matrix[e.label][best]++;
  });
  return { labels, matrix };
}

function numeric(m: object): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)));
}
