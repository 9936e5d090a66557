import type { ConcreteBackendName } from '../backend/backend-info.js';
import { EpochIterator, type BatchPosition } from '../data/batching/epoch-iterator.js';
import type { Batch } from '../data/types.js';
import { dropoutSeedState } from '../models/dropout.js';
import type { CheckpointManager, TrainingSnapshot } from './checkpoints.js';
import { trainOnBatch } from './distill-batch.js';
import { bestMetricFor, planTraining, type DistillConfig, type TrainingPlan } from './distill-config.js';
import { teacherLogitsFor } from '../eval/logits-for.js';
import { evaluateStudent, isBetter, metricValue } from './distill-eval.js';
import type { DistillResult, EvalMetricName } from './distill-options.js';
import { createTrainingParts, disposeTrainingParts, type TrainingParts } from './distill-parts.js';
import type { PreparedRun } from './distill-prepare.js';
import { projectionWeights, startingSnapshot } from './distill-resume.js';
import { learningRateAt } from './lr-schedule.js';
import { startTrainingReplicas } from './parallel/distill-replicas.js';
import type { ReplicaPool } from './parallel/replica-pool.js';
import { ProgressReporter } from './progress.js';
import { resumeMessage, type StopSignal } from './stop-signal.js';
import { TeacherPrefetch } from './teacher-prefetch.js';

/** How a training loop ended: what {@link finishRun} exports and reports. */
export interface LoopOutcome {
  /** The state after the last update (or of the last checkpoint, when interrupted). */
  snap: TrainingSnapshot;
  checkpoints: CheckpointManager;
  bestMetric: EvalMetricName;
  stoppedEarly: boolean;
  interrupted: boolean;
  throughput: DistillResult['throughput'];
}

/**
 * Trains the prepared student until the planned number of updates, early stopping or Ctrl-C: it resumes from the
 * latest checkpoint when asked, logs the loss every `logEvery` updates, evaluates on the validation set (tracking the
 * best metric), and checkpoints at every evaluation, on improvement and at the end. Replica workers, the optimizer
 * and the projections live only as long as the loop.
 *
 * @example
 * ```ts
 * const outcome = await trainLoop({ config, run, out, backend: 'wasm', replicas: 1, log: console.log });
 * ```
 */
export async function trainLoop(args: {
  config: DistillConfig;
  run: PreparedRun;
  out: string;
  backend: ConcreteBackendName;
  replicas: number;
  log: (m: string) => void;
  stop?: StopSignal;
}): Promise<LoopOutcome> {
  const { config, run, log } = args;
  const { data, student, teacher } = run;
  const parts = createTrainingParts({ config, run, out: args.out });
  let pool: ReplicaPool | undefined;
  try {
    const { checkpoints, optimizer, variables, lossScale, metricsLog } = parts;
    const snap = await startingSnapshot({
      resume: config.checkpoints.resume,
      seed: config.seed,
      checkpoints,
      student: student.model,
      optimizer,
      variables,
      lossScale,
      metricsLog,
      log,
    });
    const iterator = new EpochIterator(data.train, {
      batchSize: config.schedule.batchSize,
      seed: config.seed,
      start: { epoch: snap.epoch, batchIndex: snap.batchIndex },
      padding: data.padding,
    });
    const plan = planTraining(config, iterator.batchesPerEpoch);
    const numClasses = student.model.outputs[0].shape.at(-1) as number;
    const validationTeacher =
      data.validation.length > 0
        ? await teacherLogitsFor(data.validation, teacher?.teacher, config.schedule.batchSize, data.padding)
        : undefined;
    pool = await startTrainingReplicas({
      replicas: args.replicas,
      backend: args.backend,
      student: student.model,
      teacher,
      teacherCached: run.teacherCached,
      projections: parts.projections,
      loss: parts.loss,
      numClasses,
      log,
    });
    return await new TrainingLoop({
      config,
      run,
      parts,
      plan,
      iterator,
      snap,
      numClasses,
      validationTeacher,
      pool,
      stop: args.stop,
      backend: args.backend,
    }).run();
  } finally {
    await pool?.close();
    disposeTrainingParts(parts);
  }
}

/** What {@link TrainingLoop} runs with, all made before the first step. */
interface LoopSetup {
  config: DistillConfig;
  run: PreparedRun;
  parts: TrainingParts;
  plan: TrainingPlan;
  iterator: EpochIterator;
  snap: TrainingSnapshot;
  /** Classes of the student's logits. */
  numClasses: number;
  /** Teacher logits of the validation set [n, classes], computed once. */
  validationTeacher?: { logits: Float32Array; numClasses: number };
  pool?: ReplicaPool;
  stop?: StopSignal;
  /** Named in the throughput. */
  backend: ConcreteBackendName;
}

type Ending = 'continue' | 'stoppedEarly' | 'interrupted';

/** The update loop of {@link trainLoop}: one object holding the state that changes from step to step. */
class TrainingLoop {
  private snap: TrainingSnapshot;
  /** The position after the last batch trained on: what a checkpoint saves. */
  private position: BatchPosition;
  private lastLr = 0;
  private readonly bestMetric: EvalMetricName;
  private readonly progress: ProgressReporter;
  /** An asynchronous teacher (ONNX) runs one batch ahead, so `position` is the trained batch's, not the iterator's. */
  private readonly prefetch?: TeacherPrefetch;
  private readonly totals = { seconds: 0, samples: 0, tokens: 0 };

  constructor(private readonly s: LoopSetup) {
    const { config, run, plan, iterator } = s;
    this.snap = s.snap;
    this.position = iterator.position;
    // Early stopping watches the same metric as best-checkpoint selection (validated to agree when both are given).
    this.bestMetric = bestMetricFor(config, run.data.labeled);
    this.progress = new ProgressReporter({
      stream: config.logging.progress,
      totalSteps: plan.totalSteps,
      totalEpochs: config.schedule.epochs,
      now: config.logging.now,
      logEvery: config.logging.logEvery,
    });
    const teacher = run.teacher?.teacher;
    this.prefetch =
      teacher?.async && !run.teacherCached
        ? new TeacherPrefetch(iterator, teacher, { limit: (plan.totalSteps - s.snap.step) * config.optimizer.gradientAccumulation })
        : undefined;
  }

  async run(): Promise<LoopOutcome> {
    let ending: Ending = 'continue';
    while (ending === 'continue' && this.snap.step < this.s.plan.totalSteps) {
      const { batch, epoch, applied } = await this.trainNextBatch();
      if (applied) ending = await this.afterUpdate(batch, epoch);
    }
    await this.logLosses();
    this.progress.finish();
    const { seconds, samples, tokens } = this.totals;
    return {
      snap: this.snap,
      checkpoints: this.s.parts.checkpoints,
      bestMetric: this.bestMetric,
      stoppedEarly: ending === 'stoppedEarly',
      interrupted: ending === 'interrupted',
      throughput: {
        samplesPerSec: samples / Math.max(seconds, 1e-9),
        tokensPerSec: tokens / Math.max(seconds, 1e-9),
        seconds,
        backend: this.s.backend,
      },
    };
  }

  private async trainNextBatch(): Promise<{ batch: Batch; epoch: number; applied: boolean }> {
    const { config, run, parts, plan, iterator } = this.s;
    const t0 = config.logging.now();
    const next = this.prefetch ? await this.prefetch.next() : { ...iterator.next(), after: undefined };
    this.position = next.after ?? iterator.position;
    this.lastLr = learningRateAt(this.snap.step, plan.lr);
    parts.optimizer.setLearningRate(this.lastLr);
    const applied = await trainOnBatch({
      batch: next.batch,
      step: this.snap.step,
      config,
      parts,
      student: run.student.model,
      teacher: run.teacher,
      pool: this.s.pool,
      numClasses: this.s.numClasses,
    });
    this.totals.samples += next.batch.batchSize;
    this.totals.tokens += next.batch.batchSize * next.batch.seqLength;
    this.totals.seconds += (config.logging.now() - t0) / 1000;
    return { batch: next.batch, epoch: next.epoch, applied };
  }

  /** After an optimizer update: logs and callbacks, evaluation, checkpoints, early stopping and Ctrl-C. */
  private async afterUpdate(batch: Batch, batchEpoch: number): Promise<Ending> {
    const { config, run, plan, parts, stop } = this.s;
    const { callbacks } = config.logging;
    const step = ++this.snap.step;
    const last = step === plan.totalSteps;
    callbacks.afterUpdate?.(step);
    const logged = step % config.logging.logEvery === 0 || last ? await this.logLosses() : undefined;
    this.progress.update({
      epoch: batchEpoch + 1,
      step,
      samples: batch.batchSize * config.optimizer.gradientAccumulation,
      loss: logged?.total,
      lr: this.lastLr,
    });
    await callbacks.onStepEnd?.({ step, epoch: batchEpoch, lr: this.lastLr, loss: logged?.total });
    const evalNow = run.data.validation.length > 0 && (step % plan.evalEvery === 0 || last);
    const improved = evalNow ? await this.evaluate() : false;
    if (step % plan.checkpointEvery === 0 || improved || last) await this.saveCheckpoint();
    const earlyStopping = config.schedule.earlyStopping;
    if (evalNow && earlyStopping && this.snap.evalsSinceBest >= earlyStopping.patience) {
      this.progress.log(`early stopping: no ${this.bestMetric} improvement in ${this.snap.evalsSinceBest} evaluations`);
      if (step % plan.checkpointEvery !== 0 && !improved) await this.saveCheckpoint();
      return 'stoppedEarly';
    }
    if (stop?.requested) {
      await this.saveCheckpoint();
      this.progress.log(
        resumeMessage({ step, checkpointDir: parts.checkpoints.dirFor(step), command: `tfdistill train ... --out ${config.out} --resume` }),
      );
      return 'interrupted';
    }
    return 'continue';
  }

  private async saveCheckpoint(): Promise<void> {
    const { parts, run, config } = this.s;
    await parts.tracker.check(); // never checkpoint weights that a non-finite loss may have touched
    this.snap = {
      ...this.snap,
      epoch: this.position.epoch,
      batchIndex: this.position.batchIndex,
      dropoutSeed: dropoutSeedState(),
      lossScale: parts.lossScale?.getState(),
    };
    const dir = await parts.checkpoints.save({
      student: run.student.model,
      optimizer: parts.optimizer,
      variables: parts.variables,
      snapshot: this.snap,
      extraWeights: projectionWeights(parts.projections),
    });
    await config.logging.callbacks.onCheckpoint?.({ step: this.snap.step, dir });
  }

  /** Appends the mean losses since the last log point to `metrics.jsonl` (one device read). */
  private async logLosses(): Promise<Record<string, number> | undefined> {
    const means = await this.s.parts.tracker.flush();
    if (means) {
      await this.s.parts.metricsLog.append({
        kind: 'train',
        step: this.snap.step,
        epoch: this.position.epoch,
        loss: means.total,
        ...means,
        lr: this.lastLr,
      });
    }
    return means;
  }

  /** Evaluates the student on the validation set and records the result; true when it is a new best. */
  private async evaluate(): Promise<boolean> {
    const { run, config, parts } = this.s;
    const snap = this.snap;
    const metrics = await evaluateStudent(run.student.model, run.data, this.s.validationTeacher, config.schedule.batchSize, config.task);
    const entry = { step: snap.step, epoch: this.position.epoch, metrics };
    snap.history = [...snap.history, entry];
    await parts.metricsLog.append({ kind: 'eval', step: snap.step, epoch: entry.epoch, ...metrics });
    const value = metricValue(metrics, this.bestMetric);
    const improved = value !== undefined && (!snap.best || isBetter(this.bestMetric, value, snap.best.value));
    if (improved) snap.best = { step: snap.step, value, metrics };
    snap.evalsSinceBest = improved ? 0 : snap.evalsSinceBest + 1;
    this.progress.log(
      `eval @ step ${snap.step}: ${Object.entries(metrics)
        .filter(([k]) => k !== 'count')
        .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toFixed(4) : v}`)
        .join(', ')}`,
    );
    await config.logging.callbacks.onEvalEnd?.({ step: snap.step, metrics });
    return improved;
  }
}
