import type * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import { simdSwitches } from '../../backend/wasm-kernels/simd/switches.js';
import type { Batch } from '../../data/types.js';
import { require_, TfdistillError } from '../../errors.js';
import { captureArtifacts } from '../../io/capture-artifacts.js';
import type { Projection } from '../../losses/projection.js';
import { teacherLogitsOf } from '../../models/teacher-logits.js';
import type { Teacher } from '../../models/types.js';
import { workerEntry } from '../../util/worker-entry.js';
import type { PeerGradients } from './combine.js';
import type { FromReplica, GradientsReply, ReplicaLossConfig, ToReplica } from './protocol.js';
import { splitBatch } from './shards.js';

/**
 * Options of {@link ReplicaPool.start}.
 */
export interface ReplicaPoolOptions {
  /** Replicas in all, this thread included (so `replicas - 1` worker threads). At least 2. */
  replicas: number;
  /** Backend of the workers; each runs single-threaded. */
  backend: 'wasm' | 'cpu';
  /** The student, copied into every worker. Absent for a teacher-only pool (filling the teacher cache). */
  student?: tf.LayersModel;
  /** A layers teacher to copy into the workers, so each runs it on its own shard. Without it, shards carry logits. */
  teacher?: tf.LayersModel;
  /** Learned projections trained along with the student (intermediate hidden-state losses). */
  projections?: Readonly<Record<number, Projection>>;
  /** Loss settings; needed with a student. */
  loss?: ReplicaLossConfig;
  needTeacherInternals?: boolean;
  numClasses?: number;
}

/** A message to a replica before its request id is assigned. */
type Request = ToReplica extends infer M ? (M extends ToReplica ? Omit<M, 'id'> : never) : never;

interface Pending {
  resolve(msg: FromReplica): void;
  reject(e: Error): void;
}

/** One worker thread and its outstanding requests. */
class ReplicaWorker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;
  private closing = false;

  constructor(
    readonly worker: Worker,
    readonly rank: number,
  ) {
    worker.on('message', (msg: FromReplica) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.type === 'error') {
        const code = msg.code as TfdistillError['code'] | undefined;
        p.reject(
          code ? new TfdistillError(code, msg.message, msg.hint) : new TfdistillError('REPLICA_FAILED', `replica ${rank}: ${msg.message}`),
        );
      } else {
        p.resolve(msg);
      }
    });
    const hint = 'a run keeps its last checkpoint: resume it (--resume), with fewer replicas if memory ran out';
    worker.on('error', (e) => this.fail(new TfdistillError('REPLICA_FAILED', `replica ${rank} crashed: ${e.message}`, hint)));
    worker.on('exit', (code) => {
      if (!this.closing || this.pending.size > 0)
        this.fail(new TfdistillError('REPLICA_FAILED', `replica ${rank} exited (code ${code})`, hint));
    });
  }

  request<T extends FromReplica>(msg: Request, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (m: FromReplica) => void, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    if (!this.failure) await this.request({ type: 'close' }).catch(() => {});
    await this.worker.terminate();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}

/**
 * Data-parallel training on one machine: `replicas - 1` worker threads, each with its own single-threaded TF.js
 * engine and a copy of the student (and of a layers teacher), compute the gradients of the other shards of every batch
 * while this thread computes its own; `trainStep({ peers })` then averages them (weighted by shard size) and applies
 * one update here, so there is one optimizer, one set of weights and one checkpoint, as with PyTorch's
 * DistributedDataParallel. The wasm backend's elementwise kernels are single-threaded, so this is how a wasm run uses
 * more than one core. Each step ships the current weights to the workers (a few MB) and their gradients back.
 *
 * @example
 * ```ts
 * const pool = await ReplicaPool.start({ replicas: 2, backend: 'wasm', student, loss, needTeacherInternals: false });
 * const [mine, ...theirs] = pool.shards(batch);
 * const peers = pool.gradients(theirs, { variables, step, seed: 42 });
 * const result = await trainStep({ variables, optimizer, lossFn: lossOn(mine), batchSize: mine.batchSize, peers });
 * await pool.close();
 * ```
 */
export class ReplicaPool {
  private constructor(
    private readonly workers: ReplicaWorker[],
    /** Whether the workers hold the teacher (else shards must carry `teacherLogits`). */
    readonly replicatesTeacher: boolean,
    private readonly hasStudent: boolean,
  ) {}

  private readonly tensorCounts: (number | undefined)[] = [];

  /** Starts the workers and copies the models into them; rejects (and stops them) if any fails. */
  static async start(options: ReplicaPoolOptions): Promise<ReplicaPool> {
    require_(
      Number.isInteger(options.replicas) && options.replicas >= 2 && options.replicas <= 16,
      `replicas must be an integer in [2, 16], got ${options.replicas}`,
    );
    require_(options.student || options.teacher, 'a replica pool needs a student or a teacher');
    require_(!options.student || options.loss, 'a replica pool with a student needs its loss settings');
    const student = options.student && (await captureArtifacts(options.student));
    const teacher = options.teacher && (await captureArtifacts(options.teacher));
    const projections = Object.entries(options.projections ?? {}).map(([block, p]) => ({
      block: Number(block),
      name: p.name,
      studentDim: p.studentDim,
      teacherDim: p.teacherDim,
    }));
    const entry = workerEntry(import.meta.url, 'replica-worker');
    const workers = Array.from(
      { length: options.replicas - 1 },
      (_, i) => new ReplicaWorker(new Worker(entry.source, { eval: entry.eval }), i + 1),
    );
    try {
      await Promise.all(
        workers.map((w) =>
          w.request({
            type: 'init',
            backend: options.backend,
            relaxedSimd: simdSwitches.fma,
            student,
            teacher,
            projections,
            loss: options.loss,
            needTeacherInternals: options.needTeacherInternals ?? false,
            numClasses: options.numClasses,
          }),
        ),
      );
    } catch (e) {
      await Promise.all(workers.map((w) => w.close()));
      throw e;
    }
    return new ReplicaPool(workers, teacher !== undefined, student !== undefined);
  }

  /** Replicas in all, this thread included. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Splits a batch into `size` shards of near-equal rows: the first is this thread's, the rest go to `gradients`. */
  shards(batch: Batch): Batch[] {
    return splitBatch(batch, this.size);
  }

  /**
   * Starts the workers on their shards (at most one each: a batch smaller than the pool leaves some idle) at the
   * variables' current values and resolves with their unscaled gradients. Call it before this thread's own
   * forward/backward pass so both run at once.
   */
  async gradients(
    shards: Batch[],
    ctx: { variables: tf.Variable[]; step: number; seed: number; lossScale?: number },
  ): Promise<PeerGradients[]> {
    require_(this.hasStudent, 'gradients: the pool was started without a student');
    require_(shards.length <= this.workers.length, `gradients: ${shards.length} shards for ${this.workers.length} workers`);
    if (shards.length === 0) return [];
    // Synchronous up to the postMessage calls: the workers must get their shards before this thread starts its own
    // (synchronous) forward and backward pass, or they would sit idle until it ends.
    const weights = readWeights(ctx.variables);
    const replies = await Promise.all(
      this.workers.slice(0, shards.length).map((w, i) =>
        w.request<GradientsReply>({
          type: 'gradients',
          shard: shards[i],
          step: ctx.step,
          weights,
          lossScale: ctx.lossScale,
          dropoutSeed: replicaSeed(ctx.seed, ctx.step, w.rank),
        }),
      ),
    );
    replies.forEach((r, i) => {
      this.tensorCounts[i] = r.numTensors;
    });
    return replies.map((r, i) => ({ batchSize: shards[i].batchSize, grads: r.grads, total: r.total, terms: r.terms }));
  }

  /**
   * Each worker's `tf.memory().numTensors` after its last gradient step (undefined before its first): flat from step
   * to step unless a worker leaks, like this thread's count.
   */
  workerTensorCounts(): (number | undefined)[] {
    return [...this.tensorCounts];
  }

  /** Teacher logits of one block of ids, computed by worker `index` (0-based); needs a replicated teacher. */
  async teacherLogits(
    index: number,
    inputIds: Int32Array,
    batchSize: number,
    seqLength: number,
  ): Promise<{ logits: Float32Array; numClasses: number }> {
    require_(this.replicatesTeacher, 'teacherLogits: the pool was started without a teacher');
    const reply = await this.workers[index].request<{ type: 'teacher'; id: number; logits: Float32Array; numClasses: number }>({
      type: 'teacher',
      inputIds,
      batchSize,
      seqLength,
    });
    return { logits: reply.logits, numClasses: reply.numClasses };
  }

  /**
   * Teacher logits [rows, classes] of a padded block of ids, split by rows across the workers and `local` (the same
   * teacher in this thread), which all run at once.
   */
  async shardedTeacherLogits(
    local: Teacher,
    inputIds: Int32Array,
    rows: number,
    seqLength: number,
  ): Promise<{ values: Float32Array; classes: number }> {
    const [mine, ...theirs] = splitBatch({ inputIds, batchSize: rows, seqLength, indices: new Int32Array(rows) }, this.size);
    const others = Promise.all(theirs.map((s, i) => this.teacherLogits(i, s.inputIds, s.batchSize, seqLength)));
    let own: { values: Float32Array; classes: number };
    try {
      own = teacherLogitsOf(local, mine.inputIds, mine.batchSize, seqLength);
    } catch (e) {
      others.catch(() => {}); // this thread's error is the one to report
      throw e;
    }
    const parts = await others;
    const values = new Float32Array(rows * own.classes);
    values.set(own.values);
    let offset = own.values.length;
    for (const p of parts) {
      if (p.numClasses !== own.classes)
        throw new TfdistillError('REPLICA_FAILED', `a replica's teacher gave ${p.numClasses} classes, this thread's ${own.classes}`);
      values.set(p.logits, offset);
      offset += p.logits.length;
    }
    return { values, classes: own.classes };
  }

  /** Stops the workers (waits for them to free their models). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

/** The dropout seed of replica `rank` at `step`: fixed by the run seed, so a resumed run draws the same masks. */
export function replicaSeed(seed: number, step: number, rank: number): number {
  let h = (seed ^ Math.imul(step + 1, 0x9e3779b1) ^ Math.imul(rank, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/** The variables' values, concatenated (a plain copy on wasm/cpu, the only backends replicas run on). */
function readWeights(variables: tf.Variable[]): Float32Array {
  const out = new Float32Array(variables.reduce((s, v) => s + v.size, 0));
  let offset = 0;
  for (const v of variables) {
    out.set(v.dataSync() as Float32Array, offset);
    offset += v.size;
  }
  return out;
}
