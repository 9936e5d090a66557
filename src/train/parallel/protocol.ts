/**
 * Messages between the training thread and its data-parallel replica workers (`worker_threads`). Everything here is
 * structured-cloneable: model artifacts, typed arrays, numbers and strings.
 */
import type { EmbeddingLossOptions } from '../../losses/embedding.js';
import type { DistillTask } from '../distill-options.js';
import type * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../data/types.js';
import type { IntermediateSpec } from '../../losses/intermediate-spec.js';
import type { ValueSchedule } from '../../losses/schedule.js';
import type { ComputePrecision } from '../../models/precision.js';

/** The loss settings a replica needs (a `KdLossConfig` without its projection variables). */
export interface ReplicaLossConfig {
  task: DistillTask;
  embedding: Readonly<Required<EmbeddingLossOptions>>;
  temperature: ValueSchedule;
  alpha: ValueSchedule;
  labelSmoothing: number;
  intermediate: readonly IntermediateSpec[];
  precision: ComputePrecision;
}

/** A learned student -> teacher projection the replica recreates (its values arrive with every step's weights). */
export interface ReplicaProjectionSpec {
  block: number;
  name: string;
  studentDim: number;
  teacherDim: number;
}

/** Sets a replica up: backend, student (and teacher) as TF.js model artifacts, loss settings. */
export interface InitMessage {
  type: 'init';
  id: number;
  backend: 'wasm' | 'cpu';
  /** wasm: whether matmuls may use relaxed SIMD, as on the main thread (`UseBackendOptions.wasmRelaxedSimd`). */
  relaxedSimd: boolean;
  /** Absent for a teacher-only pool (filling the teacher cache). */
  student?: tf.io.ModelArtifacts;
  teacher?: tf.io.ModelArtifacts;
  projections: ReplicaProjectionSpec[];
  /** Present with a student. */
  loss?: ReplicaLossConfig;
  needTeacherInternals: boolean;
  numClasses?: number;
}

/** Gradients of the loss on one shard at the given weights. */
export interface GradientsMessage {
  type: 'gradients';
  id: number;
  /** The shard; carries `teacherLogits` when the teacher is not replicated (or is cached). */
  shard: Batch;
  /** Optimizer step (loss schedules depend on it). */
  step: number;
  /** Every trained variable's values, concatenated in the training thread's variable order. */
  weights: Float32Array;
  /** Dropout seed of this shard for this step (derived from the run seed and the step, so resumes repeat it). */
  dropoutSeed: number;
  /** Current loss scale (mixed precision); the replica returns unscaled gradients. */
  lossScale?: number;
}

/** Teacher logits for a block of ids (filling the teacher cache, or timing the teacher). */
export interface TeacherMessage {
  type: 'teacher';
  id: number;
  inputIds: Int32Array;
  batchSize: number;
  seqLength: number;
}

/** Frees everything and lets the worker exit. */
export interface CloseMessage {
  type: 'close';
  id: number;
}

/** Main thread -> replica. */
export type ToReplica = InitMessage | GradientsMessage | TeacherMessage | CloseMessage;

/** A replica's gradients: one entry per trained variable, `null` where the loss does not reach it. */
export interface GradientsReply {
  type: 'gradients';
  id: number;
  grads: (Float32Array | null)[];
  total: number;
  terms: Record<string, number>;
  /** The worker's `tf.memory().numTensors` once this step's tensors are freed (flat across steps unless it leaks). */
  numTensors: number;
}

/** Replica -> main thread. */
export type FromReplica =
  | { type: 'ready'; id: number; variables: number }
  | GradientsReply
  | { type: 'teacher'; id: number; logits: Float32Array; numClasses: number }
  | { type: 'closed'; id: number }
  | { type: 'error'; id: number; message: string; code?: string; hint?: string };
