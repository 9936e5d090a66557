import type * as tf from '@tensorflow/tfjs';
import { PCA_FILE, pcaToJson } from '../data/pca.js';
import path from 'node:path';
import { createProjection, type Projection } from '../losses/projection.js';
import { projectedBlocks } from '../losses/registry.js';
import { AdamW } from './adamw.js';
import { GradientAccumulator } from './accumulate.js';
import { CheckpointManager } from './checkpoints.js';
import type { DistillConfig } from './distill-config.js';
import type { PreparedRun } from './distill-prepare.js';
import type { KdLossConfig } from './kd-loss.js';
import { DynamicLossScale } from './loss-scale.js';
import { LossTracker } from './loss-tracker.js';
import { MetricsLog } from './metrics-log.js';

/** What a run trains and records with, created before its first step and freed by {@link disposeTrainingParts}. */
export interface TrainingParts {
  /** Learned student -> teacher projections, by student block (intermediate losses between different widths). */
  projections: Record<number, Projection>;
  /** The student's trainable variables, then the projections': what the optimizer updates, in a fixed order. */
  variables: tf.Variable[];
  optimizer: AdamW;
  /** Only for mixed precision. */
  lossScale?: DynamicLossScale;
  /** Only with gradient accumulation. */
  accumulator?: GradientAccumulator;
  loss: KdLossConfig;
  checkpoints: CheckpointManager;
  metricsLog: MetricsLog;
  /** Loss values of the steps since the last log point (read once per log point, not every step). */
  tracker: LossTracker;
}

/**
 * The optimizer, projections, loss settings and recorders of a run in `out`. Hidden-state losses between different
 * widths get a projection per student block (TinyBERT's W_h), seeded from the run's seed and the block.
 *
 * @example
 * ```ts
 * const parts = createTrainingParts({ config, run, out: '/abs/run' });
 * try { ... } finally { disposeTrainingParts(parts); }
 * ```
 */
export function createTrainingParts(args: { config: DistillConfig; run: PreparedRun; out: string }): TrainingParts {
  const { config, run, out } = args;
  const { optimizer: opt, runtime } = config;
  const optimizer = new AdamW({
    learningRate: opt.learningRate,
    weightDecay: opt.weightDecay,
    beta1: opt.beta1,
    beta2: opt.beta2,
    epsilon: opt.epsilon,
  });
  const projections: Record<number, Projection> = {};
  if (run.teacherDim && run.studentDim !== run.teacherDim) {
    for (const s of projectedBlocks(config.loss.intermediate)) {
      projections[s] = createProjection(run.studentDim, run.teacherDim, `projection_${s}`, { seed: config.seed + s });
    }
  }
  const variables = [
    ...run.student.model.trainableWeights.map((w) => w.read() as tf.Variable),
    ...Object.values(projections).flatMap((p) => p.variables),
  ];
  return {
    projections,
    variables,
    optimizer,
    lossScale: runtime.precision === 'float32' ? undefined : new DynamicLossScale(),
    accumulator: opt.gradientAccumulation > 1 ? new GradientAccumulator({ steps: opt.gradientAccumulation }) : undefined,
    loss: {
      ...config.loss,
      task: config.task,
      projections,
      precision: runtime.precision === 'float32' ? 'float32' : runtime.precision === 'mixed-float16' ? 'float16' : 'bfloat16',
    },
    checkpoints: new CheckpointManager({
      out,
      keep: config.checkpoints.keep,
      tokenizer: run.data.tokenizer,
      labels: run.data.labels,
      modelConfig: run.student.config,
      task: config.task,
      ...(run.pca ? { files: { [PCA_FILE]: pcaToJson(run.pca) } } : {}),
    }),
    metricsLog: new MetricsLog({ path: path.join(out, 'metrics.jsonl') }),
    tracker: new LossTracker(),
  };
}

/**
 * Frees the tensors of {@link createTrainingParts}: pending loss values, optimizer moments, projections.
 *
 * @example
 * ```ts
 * disposeTrainingParts(parts);
 * ```
 */
export function disposeTrainingParts(parts: TrainingParts): void {
  parts.tracker.dispose();
  parts.optimizer.dispose();
  Object.values(parts.projections).forEach((p) => {
    p.dispose();
  });
}
