import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { TextTokenizer } from '../data/types.js';
import { TfdistillError } from '../errors.js';
import { saveClassifier } from '../io/classifier-checkpoint.js';
import { loadModel } from '../io/load-model.js';
import type { CheckpointTask } from '../io/checkpoint-meta.js';
import type { NamedTensor } from '../io/optimizer-files.js';
import type { AdamW } from './adamw.js';
import type { LossScaleState } from './loss-scale.js';
import type { EvalMetrics } from '../eval/metrics.js';

/** Everything besides weights that a resumed run needs to continue exactly where it stopped. */
export interface TrainingSnapshot {
  step: number;
  /** Position of the next batch. */
  epoch: number;
  batchIndex: number;
  dropoutSeed: number;
  lossScale?: LossScaleState;
  best?: { step: number; value: number; metrics: EvalMetrics };
  /** Evaluations since the best one (early stopping). */
  evalsSinceBest: number;
  history: Array<{ step: number; epoch: number; metrics: EvalMetrics }>;
}

const STEP_DIR = /^step-(\d{8})$/;

/**
 * The run's step checkpoints, `out/checkpoints/step-00000120/`: each a complete classifier checkpoint (student,
 * tokenizer, labels) plus AdamW moments under `optimizer/` and a {@link TrainingSnapshot} in `tfdistill.json`.
 * Each is written atomically under a fresh name; the last `keep` plus the best survive pruning.
 *
 * Optimizer moments are stored under positional names (`#0003/m`) because tfjs-layers renames variables per
 * process (`dense_Dense1` becomes `dense_Dense2` in a second model), so name-keyed moments would not find their
 * variables after a resume in the same process.
 *
 * @example
 * ```ts
 * const ck = new CheckpointManager({ out: 'run/', keep: 2, tokenizer, labels, modelConfig });
 * await ck.save({ student, optimizer, variables, snapshot, extraWeights: [] });
 * const latest = await ck.latest(); // { step, dir } | undefined
 * ```
 */
export class CheckpointManager {
  readonly root: string;

  constructor(
    private readonly opts: {
      out: string;
      keep: number;
      tokenizer: TextTokenizer;
      labels: string[];
      modelConfig?: object;
      task?: CheckpointTask;
      /** Extra files for every checkpoint (e.g. the embedding PCA). */
      files?: Record<string, string>;
    },
  ) {
    this.root = path.join(opts.out, 'checkpoints');
  }

  dirFor(step: number): string {
    return path.join(this.root, `step-${String(step).padStart(8, '0')}`);
  }

  /** Writes the checkpoint of `snapshot.step` (replacing one of the same step), then prunes old ones. */
  async save(args: {
    student: tf.LayersModel;
    optimizer: AdamW;
    variables: tf.Variable[];
    snapshot: TrainingSnapshot;
    extraWeights?: NamedTensor[];
  }): Promise<string> {
    const { student, optimizer, variables, snapshot } = args;
    const dir = this.dirFor(snapshot.step);
    const index = new Map(variables.map((v, i) => [v.name, `#${String(i).padStart(4, '0')}`]));
    const state = await optimizer.getState();
    try {
      const weights = state.weights.map(({ name, tensor }) => {
        const [, varName, moment] = /^(.*)\/([mv])$/.exec(name) ?? [];
        const pos = index.get(varName);
        if (pos === undefined) throw new Error(`optimizer moment ${name} belongs to no trained variable`);
        return { name: `${pos}/${moment}`, tensor };
      });
      await fs.mkdir(this.root, { recursive: true });
      await saveClassifier(student, dir, {
        tokenizer: this.opts.tokenizer,
        labels: this.opts.labels,
        modelConfig: this.opts.modelConfig,
        task: this.opts.task,
        ...(this.opts.files ? { files: this.opts.files } : {}),
        meta: {
          training: {
            step: snapshot.step,
            epoch: snapshot.epoch,
            rngState: snapshot.dropoutSeed >>> 0,
            dataPosition: snapshot.batchIndex,
            optimizer: { name: 'adamw', hyperparameters: optimizer.getConfig() },
          },
          metrics: snapshot.best ? numericMetrics(snapshot.best.metrics) : undefined,
          extra: { snapshot, optimizerStep: state.step },
        },
        optimizer: { name: 'tfdistill.AdamW', config: optimizer.getConfig(), weights: [...weights, ...(args.extraWeights ?? [])] },
      });
    } finally {
      tf.dispose(state.weights.map((w) => w.tensor));
    }
    await this.prune(snapshot.best?.step);
    return dir;
  }

  /** The newest step checkpoint, if any. */
  async latest(): Promise<{ step: number; dir: string } | undefined> {
    const steps = await this.steps();
    const step = steps.at(-1);
    return step === undefined ? undefined : { step, dir: this.dirFor(step) };
  }

  /**
   * Loads a step checkpoint's weights into `student`, its moments into `optimizer` and returns its snapshot plus the
   * extra weights (e.g. projection variables; the caller disposes them).
   */
  async restore(
    dir: string,
    args: { student: tf.LayersModel; optimizer: AdamW; variables: tf.Variable[] },
  ): Promise<{
    snapshot: TrainingSnapshot;
    extraWeights: NamedTensor[];
  }> {
    const loaded = await loadModel(dir, { withOptimizer: true });
    try {
      const saved = loaded.model.getWeights();
      const current = args.student.getWeights();
      if (saved.length !== current.length || saved.some((w, i) => !sameShape(w.shape, current[i].shape))) {
        throw new TfdistillError(
          'CHECKPOINT_INVALID',
          `${dir} does not match the student being trained (different architecture)`,
          'resume with the same student options, or start a new run with --force',
        );
      }
      args.student.setWeights(saved);
      const snapshot = loaded.meta.extra as { snapshot?: TrainingSnapshot; optimizerStep?: number } | undefined;
      if (!snapshot?.snapshot) throw new TfdistillError('CHECKPOINT_INVALID', `${dir} has no training state to resume from`);
      const weights = loaded.optimizer?.weights ?? [];
      const moments: NamedTensor[] = [];
      const extra: NamedTensor[] = [];
      for (const w of weights) {
        const m = /^#(\d{4})\/([mv])$/.exec(w.name);
        if (!m) {
          extra.push(w);
          continue;
        }
        const v = args.variables[Number(m[1])];
        if (!v) throw new TfdistillError('CHECKPOINT_INVALID', `${dir}: optimizer moment ${w.name} has no variable`);
        moments.push({ name: `${v.name}/${m[2]}`, tensor: w.tensor });
      }
      await args.optimizer.setState({ step: snapshot.optimizerStep ?? snapshot.snapshot.step, weights: moments });
      tf.dispose(moments.map((w) => w.tensor));
      return { snapshot: snapshot.snapshot, extraWeights: extra };
    } finally {
      loaded.model.dispose();
    }
  }

  private async steps(): Promise<number[]> {
    const names = await fs.readdir(this.root).catch(() => [] as string[]);
    return names
      .map((n) => STEP_DIR.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }

  private async prune(bestStep: number | undefined): Promise<void> {
    const steps = await this.steps();
    const keep = new Set(steps.slice(-Math.max(1, this.opts.keep)));
    if (bestStep !== undefined) keep.add(bestStep);
    for (const s of steps) {
      if (keep.has(s)) continue;
      // Rename first (atomic), then delete: a crash mid-delete leaves a `.trash-*` directory, never a half step-*.
      const dir = this.dirFor(s);
      const trash = path.join(this.root, `.trash-${path.basename(dir)}`);
      await fs.rm(trash, { recursive: true, force: true });
      await fs.rename(dir, trash);
      await fs.rm(trash, { recursive: true, force: true });
    }
    await this.removeTrash();
  }

  /** Deletes `.trash-*` directories a crash left behind during pruning. */
  private async removeTrash(): Promise<void> {
    const names = await fs.readdir(this.root).catch(() => [] as string[]);
    for (const n of names.filter((n) => n.startsWith('.trash-'))) {
      await fs.rm(path.join(this.root, n), { recursive: true, force: true });
    }
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function numericMetrics(m: EvalMetrics): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => typeof v === 'number' && Number.isFinite(v))) as Record<string, number>;
}
