import * as tf from '@tensorflow/tfjs';
import type { NamedTensor } from '../io/optimizer-files.js';
import type { Projection } from '../losses/projection.js';
import { restoreDropoutSeedState, setDropoutSeed } from '../models/dropout.js';
import type { AdamW } from './adamw.js';
import type { CheckpointManager, TrainingSnapshot } from './checkpoints.js';
import type { DynamicLossScale } from './loss-scale.js';
import type { MetricsLog } from './metrics-log.js';

/** Projection variables travel in a checkpoint as extra optimizer weights under this prefix. */
const PROJECTION_PREFIX = 'projection:';

/**
 * The learned projections as named weights for a step checkpoint (`CheckpointManager.save`'s `extraWeights`).
 *
 * @example
 * ```ts
 * await checkpoints.save({ student, optimizer, variables, snapshot, extraWeights: projectionWeights(projections) });
 * ```
 */
export function projectionWeights(projections: Readonly<Record<number, Projection>>): NamedTensor[] {
  return Object.values(projections).flatMap((p) => p.variables.map((v) => ({ name: `${PROJECTION_PREFIX}${v.name}`, tensor: v })));
}

/**
 * The training state a run starts from. Without `resume`, or without a checkpoint to resume, a fresh one (step 0,
 * dropout seeded with `seed`). With one, the latest step checkpoint's: its student weights, optimizer moments,
 * projections, dropout stream and loss scale are restored and `metrics.jsonl` is cut back to its step, so the run
 * continues bit for bit as if it had never stopped.
 *
 * @example
 * ```ts
 * const snap = await startingSnapshot({ resume: true, seed: 42, checkpoints, student, optimizer, variables, metricsLog, log });
 * ```
 */
export async function startingSnapshot(args: {
  resume: boolean;
  seed: number;
  checkpoints: CheckpointManager;
  student: tf.LayersModel;
  optimizer: AdamW;
  /** The student's trainable variables, then the projections' (the order of the optimizer's moments). */
  variables: tf.Variable[];
  lossScale?: DynamicLossScale;
  metricsLog: MetricsLog;
  log: (m: string) => void;
}): Promise<TrainingSnapshot> {
  const { checkpoints, variables, log } = args;
  setDropoutSeed(args.seed);
  const fresh: TrainingSnapshot = { step: 0, epoch: 0, batchIndex: 0, dropoutSeed: args.seed, evalsSinceBest: 0, history: [] };
  const latest = args.resume ? await checkpoints.latest() : undefined;
  if (!latest) {
    if (args.resume) log(`no checkpoint in ${checkpoints.root}: starting from scratch`);
    return fresh;
  }
  const restored = await checkpoints.restore(latest.dir, { student: args.student, optimizer: args.optimizer, variables });
  const snap = restored.snapshot;
  for (const w of restored.extraWeights) {
    variables.find((v) => `${PROJECTION_PREFIX}${v.name}` === w.name)?.assign(w.tensor);
  }
  tf.dispose(restored.extraWeights.map((w) => w.tensor));
  restoreDropoutSeedState(snap.dropoutSeed);
  if (snap.lossScale) args.lossScale?.setState(snap.lossScale);
  await args.metricsLog.truncateAfterStep(snap.step);
  log(`resuming from ${latest.dir} (step ${snap.step})`);
  return snap;
}
