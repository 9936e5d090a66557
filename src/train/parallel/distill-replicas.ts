import type * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import type { ConcreteBackendName } from '../../backend/backend-info.js';
import type { Batch } from '../../data/types.js';
import type { Projection } from '../../losses/projection.js';
import { teacherLogitsOf } from '../../models/teacher-logits.js';
import type { KdLossConfig } from '../kd-loss.js';
import type { ResolvedTeacher } from '../../io/resolve-teacher.js';
import { ReplicaPool } from './replica-pool.js';

/**
 * How many data-parallel replicas a run uses: `requested` (a number, or `'auto'`, the default, = one per core, at most
 * 4) on the wasm and cpu backends; 1 on the tfjs-node backends, which already use every core (with a note when more
 * were asked for by number).
 *
 * @example
 * ```ts
 * const n = resolveReplicas('auto', 'wasm', console.log); // 2 on a 2-core machine
 * ```
 */
export function resolveReplicas(requested: number | 'auto' | undefined, backend: ConcreteBackendName, log: (m: string) => void): number {
  const wanted = requested === undefined || requested === 'auto' ? Math.min(4, os.availableParallelism()) : requested;
  if (wanted <= 1) return 1;
  if (replicaBackend(backend) === undefined) {
    if (typeof requested === 'number') log(`replicas: running 1 on the ${backend} backend, which already uses every core`);
    return 1;
  }
  return wanted;
}

/** The backend replica workers run for `backend`: the same one, when it is one they can run (wasm, cpu). */
function replicaBackend(backend: ConcreteBackendName | undefined): 'wasm' | 'cpu' | undefined {
  return backend === 'wasm' || backend === 'cpu' ? backend : undefined;
}

/**
 * Replicas that fill the teacher cache, or undefined when they cannot: each batch is then split across worker threads
 * holding a copy of the teacher, which must be a layers model.
 *
 * @example
 * ```ts
 * const pool = await startTeacherReplicas({ replicas: 2, backend: 'wasm', teacher });
 * ```
 */
export async function startTeacherReplicas(o: {
  replicas?: number;
  backend?: ConcreteBackendName;
  teacher: ResolvedTeacher;
}): Promise<ReplicaPool | undefined> {
  const backend = replicaBackend(o.backend);
  if ((o.replicas ?? 1) <= 1 || !o.teacher.layersModel || !backend) return undefined;
  return ReplicaPool.start({ replicas: o.replicas!, backend, teacher: o.teacher.layersModel });
}

/**
 * Starts the replicas of a training run, or returns undefined (with a note) when they cannot help: the workers get a
 * copy of the teacher when it runs live and is a layers model; any other live teacher runs here and its logits ride
 * along with the shards, except with intermediate-layer losses (which need the teacher's internals in the worker).
 *
 * @example
 * ```ts
 * const pool = await startTrainingReplicas({ replicas: 2, backend: 'wasm', student, teacher, teacherCached: true, ... });
 * ```
 */
export async function startTrainingReplicas(o: {
  replicas: number;
  backend: ConcreteBackendName;
  student: tf.LayersModel;
  teacher?: ResolvedTeacher;
  teacherCached: boolean;
  projections: Readonly<Record<number, Projection>>;
  loss: KdLossConfig;
  numClasses: number;
  log: (m: string) => void;
}): Promise<ReplicaPool | undefined> {
  if (o.replicas <= 1) return undefined;
  const needInternals = o.loss.intermediate.length > 0;
  const live = o.teacher && !o.teacherCached ? o.teacher : undefined;
  if (live && needInternals && !live.layersModel) {
    o.log(
      'replicas: running 1; intermediate-layer losses need the teacher in every replica, and only a layers-model teacher can be copied',
    );
    return undefined;
  }
  const { projections: _, ...loss } = o.loss;
  const pool = await ReplicaPool.start({
    replicas: o.replicas,
    backend: replicaBackend(o.backend) ?? 'wasm',
    student: o.student,
    teacher: live?.layersModel,
    projections: o.projections,
    loss,
    needTeacherInternals: needInternals,
    numClasses: o.numClasses,
  });
  o.log(
    `data-parallel: ${o.replicas} replicas (this thread + ${o.replicas - 1} worker thread${o.replicas > 2 ? 's' : ''})` +
      (live && !pool.replicatesTeacher ? '; the teacher runs here and its logits go to the workers' : ''),
  );
  return pool;
}

/**
 * The shards for the workers, with the teacher's logits added when the teacher runs live in this thread only.
 *
 * @example
 * ```ts
 * const peers = pool.gradients(withShippedLogits(pool, theirs, teacher), ctx);
 * ```
 */
export function withShippedLogits(pool: ReplicaPool, shards: Batch[], teacher: ResolvedTeacher | undefined): Batch[] {
  if (!teacher || pool.replicatesTeacher) return shards;
  return shards.map((s) => {
    if (s.teacherLogits) return s;
    const { values, classes } = teacherLogitsOf(teacher.teacher, s.inputIds, s.batchSize, s.seqLength);
    return { ...s, teacherLogits: values, numClasses: classes };
  });
}
