import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { useBackend } from '../backend/use-backend.js';
import { EpochIterator } from '../data/batching/epoch-iterator.js';
import { TfdistillError } from '../errors.js';
import { registerFileRouter } from '../io/file-router.js';
import { assertRemovable } from '../io/safe-remove.js';
import { createProjection, type Projection } from '../losses/index.js';
import { projectedBlocks } from '../losses/registry.js';
import { dropoutSeedState, restoreDropoutSeedState, setDropoutSeed } from '../models/dropout.js';
import { AdamW } from './adamw.js';
import { GradientAccumulator } from './accumulate.js';
import { CheckpointManager, type TrainingSnapshot } from './checkpoints.js';
import { validateDistillOptions } from './distill-validate.js';
import type { DistillOptions, DistillResult } from './distill-options.js';
import { evaluateStudent, isBetter, metricValue, teacherLogitsFor } from './distill-eval.js';
import { finishRun } from './distill-finish.js';
import { prepareRun } from './distill-prepare.js';
import { disposeDeviceBatch, kdLossFn, toDeviceBatch, type KdLossConfig } from './kd-loss.js';
import { DynamicLossScale } from './loss-scale.js';
import { LossTracker } from './loss-tracker.js';
import { learningRateAt } from './lr-schedule.js';
import { MetricsLog } from './metrics-log.js';
import { ProgressReporter } from './progress.js';
import { resolveReplicas, startTrainingReplicas, withShippedLogits } from './parallel/distill-replicas.js';
import type { ReplicaPool } from './parallel/replica-pool.js';
import { trainStep } from './step.js';
import { TeacherPrefetch } from './teacher-prefetch.js';
import { resumeMessage, StopSignal } from './stop-signal.js';

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
 *   loss: { temperature: 4, alpha: 0.7 }, epochs: 3, out: 'runs/student',
 * });
 * console.log(result.best?.metrics.accuracy, result.checkpointDir); // runs/student/student
 * ```
 */
export async function distill(options: DistillOptions): Promise<DistillResult> {
  validateDistillOptions(options);
  const backend = await useBackend(options.backend ?? 'auto', { wasmThreads: options.threads });
  registerFileRouter();
  const seed = options.seed ?? 42;
  const out = path.resolve(options.out ?? 'tfdistill-run');
  await prepareOutDir(out, options);
  const now = options.now ?? (() => performance.now());
  const progressStream = options.progress === false ? { write: () => true } : options.progress ?? process.stderr;
  const log = (msg: string) => progressStream.write(`${msg}\n`);

  const replicas = resolveReplicas(options.replicas, backend.name, log);
  const run = await prepareRun(options, { seed, log, replicas, backend: backend.name });
  const { data, student, teacher } = run;
  const stop = options.handleSignals === false ? undefined : new StopSignal({ stream: progressStream });
  const projections: Record<number, Projection> = {};
  const tracker = new LossTracker();
  let optimizer: AdamW | undefined;
  let pool: ReplicaPool | undefined;
  try {
    // Hidden-state losses between different widths learn a projection student -> teacher (TinyBERT).
    if (run.teacherDim && run.studentDim !== run.teacherDim) {
      for (const s of projectedBlocks(options.loss?.intermediate ?? [])) {
        projections[s] = createProjection(run.studentDim, run.teacherDim, `projection_${s}`, { seed: seed + s });
      }
    }
    const variables = [
      ...student.model.trainableWeights.map((w) => w.read() as tf.Variable),
      ...Object.values(projections).flatMap((p) => p.variables),
    ];
    const opt = options.optimizer ?? {};
    optimizer = new AdamW({ learningRate: opt.learningRate ?? 5e-4, weightDecay: opt.weightDecay ?? 0.01,
      beta1: opt.beta1, beta2: opt.beta2, epsilon: opt.epsilon });
    const precision = options.precision ?? 'float32';
    const lossScale = precision === 'float32' ? undefined : new DynamicLossScale();
    const accumulation = options.gradientAccumulation ?? 1;
    const accumulator = accumulation > 1 ? new GradientAccumulator({ steps: accumulation }) : undefined;
    const batchSize = options.batchSize ?? 32;
    const epochs = options.epochs ?? 3;
    const checkpoints = new CheckpointManager({ out, keep: options.keepCheckpoints ?? 2, tokenizer: data.tokenizer,
      labels: data.labels, modelConfig: student.config });
    const metricsLog = new MetricsLog({ path: path.join(out, 'metrics.jsonl') });

    let snap: TrainingSnapshot = { step: 0, epoch: 0, batchIndex: 0, dropoutSeed: seed, evalsSinceBest: 0, history: [] };
    setDropoutSeed(seed);
    const latest = options.resume ? await checkpoints.latest() : undefined;
    if (latest) {
      const restored = await checkpoints.restore(latest.dir, { student: student.model, optimizer, variables });
      snap = restored.snapshot;
      for (const w of restored.extraWeights) {
        const v = variables.find((x) => `projection:${x.name}` === w.name);
        if (v) v.assign(w.tensor);
      }
      tf.dispose(restored.extraWeights.map((w) => w.tensor));
      restoreDropoutSeedState(snap.dropoutSeed);
      if (snap.lossScale) lossScale?.setState(snap.lossScale);
      await metricsLog.truncateAfterStep(snap.step);
      log(`resuming from ${latest.dir} (step ${snap.step})`);
    } else if (options.resume) {
      log(`no checkpoint in ${checkpoints.root}: starting from scratch`);
    }

    const iterator = new EpochIterator(data.train, { batchSize, seed, start: { epoch: snap.epoch, batchIndex: snap.batchIndex }, padding: data.padding });
    const stepsPerEpoch = Math.max(1, Math.floor(iterator.batchesPerEpoch / accumulation));
    const totalSteps = Math.min(options.maxSteps ?? Infinity, epochs * stepsPerEpoch);
    const evalEvery = options.evalEvery ?? stepsPerEpoch;
    const checkpointEvery = options.checkpointEvery ?? evalEvery;
    const logEvery = options.logEvery ?? 10;
    const schedule = { base: opt.learningRate ?? 5e-4, warmupSteps: options.schedule?.warmupSteps ?? Math.floor(0.06 * totalSteps),
      totalSteps, decay: options.schedule?.decay ?? 'linear' } as const;
    const lossConfig: KdLossConfig = {
      temperature: options.loss?.temperature ?? 4, alpha: options.loss?.alpha ?? 0.7,
      labelSmoothing: options.loss?.labelSmoothing ?? 0, intermediate: options.loss?.intermediate ?? [],
      projections, precision: precision === 'float32' ? 'float32' : precision === 'mixed-float16' ? 'float16' : 'bfloat16',
    };
    // Early stopping watches the same metric as best-checkpoint selection (validated to agree when both are given).
    const numClasses = student.model.outputs[0].shape.at(-1) as number;
    const bestMetric = options.bestMetric ?? options.earlyStopping?.metric ?? (data.labeled ? 'accuracy' : 'agreement');
    const validationTeacher = data.validation.length > 0
      ? await teacherLogitsFor(data.validation, teacher?.teacher, batchSize, data.padding) : undefined;
    pool = await startTrainingReplicas({ replicas, backend: backend.name, student: student.model, teacher, teacherCached: run.teacherCached,
      projections, loss: lossConfig, numClasses, log });
    const progress = new ProgressReporter({ stream: progressStream, totalSteps, totalEpochs: epochs, now, logEvery });

    // An asynchronous teacher (ONNX) runs one batch ahead, so the position to save is the trained batch's, not the iterator's.
    const prefetch = teacher?.teacher.async && !run.teacherCached
      ? new TeacherPrefetch(iterator, teacher.teacher, { limit: (totalSteps - snap.step) * accumulation }) : undefined;
    let position = iterator.position;
    const snapshot = (): TrainingSnapshot => ({ ...snap, epoch: position.epoch, batchIndex: position.batchIndex,
      dropoutSeed: dropoutSeedState(), lossScale: lossScale?.getState() });
    const saveCheckpoint = async () => {
      await tracker.check(); // never checkpoint weights that a non-finite loss may have touched
      snap = snapshot();
      const extraWeights = Object.values(projections).flatMap((p) => p.variables.map((v) => ({ name: `projection:${v.name}`, tensor: v })));
      const dir = await checkpoints.save({ student: student.model, optimizer: optimizer!, variables, snapshot: snap, extraWeights });
      await options.callbacks?.onCheckpoint?.({ step: snap.step, dir });
    };
    let lastLr = 0;
    const logLosses = async () => {
      const epoch = position.epoch;
      const means = await tracker.flush();
      if (means) await metricsLog.append({ kind: 'train', step: snap.step, epoch, loss: means.total, ...means, lr: lastLr });
      return means;
    };
    const evaluate = async () => {
      const metrics = await evaluateStudent(student.model, data, validationTeacher, batchSize);
      const entry = { step: snap.step, epoch: position.epoch, metrics };
      snap.history = [...snap.history, entry];
      await metricsLog.append({ kind: 'eval', step: snap.step, epoch: entry.epoch, ...metrics });
      const value = metricValue(metrics, bestMetric);
      const improved = value !== undefined && (!snap.best || isBetter(bestMetric, value, snap.best.value));
      if (improved) snap.best = { step: snap.step, value: value!, metrics };
      snap.evalsSinceBest = improved ? 0 : snap.evalsSinceBest + 1;
      progress.log(`eval @ step ${snap.step}: ${Object.entries(metrics).filter(([k]) => k !== 'count')
        .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toFixed(4) : v}`).join(', ')}`);
      await options.callbacks?.onEvalEnd?.({ step: snap.step, metrics });
      return improved;
    };

    let trainSeconds = 0, samples = 0, tokens = 0, stoppedEarly = false, interrupted = false;
    while (snap.step < totalSteps) {
      const t0 = now();
      const next = prefetch ? await prefetch.next() : { ...iterator.next(), after: undefined };
      const { batch, epoch: batchEpoch } = next;
      position = next.after ?? iterator.position;
      lastLr = learningRateAt(snap.step, schedule);
      optimizer.setLearningRate(lastLr);
      // Data-parallel: the workers start on their shards before this thread runs its own.
      const [mine, ...theirs] = pool ? pool.shards(batch) : [batch];
      const peers = pool?.gradients(withShippedLogits(pool, theirs, teacher), { variables, step: snap.step, seed, lossScale: lossScale?.scale });
      let result, device, checks;
      try {
        device = toDeviceBatch(mine, { teacher: teacher?.teacher, needTeacherInternals: lossConfig.intermediate.length > 0, numClasses });
        // A live teacher's logits are checked where they arise, so a NaN is reported as the teacher's, not the loss's.
        const logits = device.teacher?.logits;
        checks = logits ? { 'teacher logits': tf.tidy(() => tf.sum(tf.abs(logits))) as tf.Scalar } : undefined;
        result = await trainStep({ variables, optimizer, lossFn: kdLossFn({ student: student.model, batch: device, step: snap.step, config: lossConfig }),
          clipGlobalNorm: options.clipGlobalNorm === 0 ? undefined : options.clipGlobalNorm ?? 1, lossScale, accumulator, batchSize: mine.batchSize, peers });
      } catch (err) {
        peers?.catch(() => {}); // this thread's error is the one to report
        tf.dispose(checks && Object.values(checks));
        throw err;
      } finally {
        if (device) disposeDeviceBatch(device);
      }
      tracker.push(snap.step + 1, { total: result.total, ...result.terms }, checks);
      if (result.gradNorm) result.gradNorm.dispose();
      samples += batch.batchSize;
      tokens += batch.batchSize * batch.seqLength;
      trainSeconds += (now() - t0) / 1000;
      if (!result.applied) continue;
      snap.step++;
      options.callbacks?.afterUpdate?.(snap.step);
      const logged = snap.step % logEvery === 0 || snap.step === totalSteps ? await logLosses() : undefined;
      progress.update({ epoch: batchEpoch + 1, step: snap.step, samples: batch.batchSize * accumulation, loss: logged?.total, lr: lastLr });
      await options.callbacks?.onStepEnd?.({ step: snap.step, epoch: batchEpoch, lr: lastLr, loss: logged?.total });
      const evalNow = data.validation.length > 0 && (snap.step % evalEvery === 0 || snap.step === totalSteps);
      const improved = evalNow ? await evaluate() : false;
      if (snap.step % checkpointEvery === 0 || improved || snap.step === totalSteps) await saveCheckpoint();
      if (evalNow && options.earlyStopping && snap.evalsSinceBest >= options.earlyStopping.patience) {
        progress.log(`early stopping: no ${bestMetric} improvement in ${snap.evalsSinceBest} evaluations`);
        stoppedEarly = true;
        if (snap.step % checkpointEvery !== 0 && !improved) await saveCheckpoint();
        break;
      }
      if (stop?.requested) {
        await saveCheckpoint();
        progress.log(resumeMessage({ step: snap.step, checkpointDir: checkpoints.dirFor(snap.step),
          command: `tfdistill train ... --out ${options.out ?? 'tfdistill-run'} --resume` }));
        interrupted = true;
        break;
      }
    }
    await logLosses();
    progress.finish();
    return await finishRun({ out, run, snap, checkpoints, interrupted, stoppedEarly, precision, bestMetric, log, exportDir: options.exportDir,
      throughput: { samplesPerSec: samples / Math.max(trainSeconds, 1e-9), tokensPerSec: tokens / Math.max(trainSeconds, 1e-9),
        seconds: trainSeconds, backend: backend.name } });
  } catch (err) {
    if (run.student.owned) run.student.model.dispose();
    throw err;
  } finally {
    await pool?.close();
    tracker.dispose();
    optimizer?.dispose();
    Object.values(projections).forEach((p) => p.dispose());
    stop?.dispose();
    await run.teacher?.dispose();
  }
}

/** A run directory that holds a previous run is only reused with `resume` or `force`. */
async function prepareOutDir(out: string, options: DistillOptions): Promise<void> {
  const info = await fs.stat(out).catch(() => undefined);
  if (info !== undefined && !info.isDirectory()) {
    throw new TfdistillError('OUTPUT_EXISTS', `${out} exists and is not a directory`, 'choose a directory for out (--out)');
  }
  const entries = await fs.readdir(out).catch(() => undefined);
  if (entries && entries.length > 0 && !options.resume) {
    if (!options.force) {
      throw new TfdistillError('OUTPUT_EXISTS', `${out} already exists and is not empty`,
        'pass resume: true (--resume) to continue that run, force: true (--force) to replace it, or choose another out');
    }
    assertRemovable(out);
    await fs.rm(out, { recursive: true, force: true });
  }
  await fs.mkdir(out, { recursive: true }).catch((e: Error) => {
    throw new TfdistillError('IO_ERROR', `cannot create the run directory ${out}: ${e.message}`, 'choose another out (--out)');
  });
}
