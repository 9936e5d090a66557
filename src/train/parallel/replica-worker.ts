/**
 * A data-parallel replica: a `worker_threads` worker with its own TF.js engine (single-threaded wasm, or cpu), a copy
 * of the student (and of a layers teacher), computing the distillation loss's gradients on its shard of each batch at
 * the weights the training thread sends. Started by `ReplicaPool`; never imported by the library itself.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort } from 'node:worker_threads';
import '../../models/register.js';
import { useBackend } from '../../backend/use-backend.js';
import { TfdistillError } from '../../errors.js';
import { wasmAbortAsError } from '../../backend/wasm-abort.js';
import { createProjection } from '../../losses/projection.js';
import { setDropoutSeed } from '../../models/dropout.js';
import { teacherFromEncoder, teacherFromLayersModel } from '../../models/teacher.js';
import { teacherLogitsOf } from '../../models/teacher-logits.js';
import type { Teacher } from '../../models/types.js';
import { lossAndGradients } from '../gradients.js';
import { disposeDeviceBatch, kdLossFn, toDeviceBatch, type KdLossConfig } from '../kd-loss.js';
import type { FromReplica, GradientsMessage, InitMessage, TeacherMessage, ToReplica } from './protocol.js';

interface Replica {
  student?: tf.LayersModel;
  teacherModel?: tf.LayersModel;
  teacher?: Teacher;
  variables: tf.Variable[];
  config?: KdLossConfig;
  init: InitMessage;
  dispose(): void;
}

const port = parentPort;
if (!port) throw new Error('replica-worker runs inside a worker thread');
let replica: Replica | undefined;
let queue: Promise<void> = Promise.resolve();

port.on('message', (msg: ToReplica) => {
  // One message at a time, in arrival order.
  queue = queue
    .then(() => handle(msg))
    .catch((caught: unknown) => {
      const e = wasmAbortAsError(caught);
      reply({
        type: 'error',
        id: msg.id,
        message: e instanceof Error ? e.message : String(e),
        code: e instanceof TfdistillError ? e.code : undefined,
        hint: e instanceof TfdistillError ? e.hint : undefined,
      });
    });
});

function reply(msg: FromReplica, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

async function handle(msg: ToReplica): Promise<void> {
  if (msg.type === 'init') {
    replica = await start(msg);
    reply({ type: 'ready', id: msg.id, variables: replica.variables.length });
  } else if (msg.type === 'close') {
    replica?.dispose();
    replica = undefined;
    reply({ type: 'closed', id: msg.id });
    port!.close();
  } else if (!replica) {
    throw new Error(`replica got '${msg.type}' before 'init'`);
  } else if (msg.type === 'gradients') {
    const out = await gradients(replica, msg);
    reply(
      { ...out, numTensors: tf.memory().numTensors },
      out.grads.flatMap((g) => (g ? [g.buffer as ArrayBuffer] : [])),
    );
  } else {
    const out = teacherLogits(replica, msg);
    reply({ type: 'teacher', id: msg.id, logits: out.logits, numClasses: out.numClasses }, [out.logits.buffer as ArrayBuffer]);
  }
}

async function start(init: InitMessage): Promise<Replica> {
  await useBackend(init.backend, { wasmRelaxedSimd: init.relaxedSimd });
  const student = init.student && (await tf.loadLayersModel(tf.io.fromMemory(init.student)));
  const teacherModel = init.teacher ? await tf.loadLayersModel(tf.io.fromMemory(init.teacher)) : undefined;
  const teacher =
    teacherModel && (teacherModel.outputNames[0] === 'logits' ? teacherFromEncoder(teacherModel) : teacherFromLayersModel(teacherModel));
  const projections = Object.fromEntries(init.projections.map((p) => [p.block, createProjection(p.studentDim, p.teacherDim, p.name)]));
  const variables = [
    ...(student?.trainableWeights ?? []).map((w) => w.read() as tf.Variable),
    ...init.projections.flatMap((p) => projections[p.block].variables),
  ];
  return {
    student,
    teacherModel,
    teacher,
    variables,
    init,
    config: init.loss && { ...init.loss, projections },
    dispose() {
      student?.dispose();
      teacherModel?.dispose();
      Object.values(projections).forEach((p) => {
        p.dispose();
      });
    },
  };
}

function setWeights(variables: tf.Variable[], weights: Float32Array): void {
  const total = variables.reduce((s, v) => s + v.size, 0);
  if (weights.length !== total) throw new Error(`replica got ${weights.length} weight values for ${total}`);
  let offset = 0;
  for (const v of variables) {
    const t = tf.tensor(weights.subarray(offset, offset + v.size), v.shape, 'float32');
    v.assign(t);
    t.dispose();
    offset += v.size;
  }
}

async function gradients(r: Replica, msg: GradientsMessage) {
  const { student, config } = r;
  if (!student || !config) throw new Error('this replica has no student');
  setWeights(r.variables, msg.weights);
  setDropoutSeed(msg.dropoutSeed);
  const device = toDeviceBatch(msg.shard, {
    teacher: r.teacher,
    needTeacherInternals: r.init.needTeacherInternals,
    numClasses: r.init.numClasses,
  });
  const scale = msg.lossScale;
  let out: ReturnType<typeof lossAndGradients>;
  try {
    out = lossAndGradients(
      kdLossFn({ student, batch: device, step: msg.step, config }),
      r.variables,
      scale === undefined ? undefined : (t) => tf.mul(t, scale),
    );
  } finally {
    disposeDeviceBatch(device);
  }
  try {
    const grads = await Promise.all(
      r.variables.map(async (v) => {
        const g = out.grads[v.name];
        if (!g) return null;
        const values = new Float32Array(await g.data());
        if (scale !== undefined) for (let i = 0; i < values.length; i++) values[i] /= scale;
        return values;
      }),
    );
    const total = (await out.total.data())[0];
    const terms: Record<string, number> = {};
    for (const [k, t] of Object.entries(out.terms)) terms[k] = (await t.data())[0];
    return { type: 'gradients' as const, id: msg.id, grads, total, terms };
  } finally {
    tf.dispose([out.total, ...Object.values(out.terms), ...Object.values(out.grads)]);
  }
}

function teacherLogits(r: Replica, msg: TeacherMessage): { logits: Float32Array; numClasses: number } {
  if (!r.teacher) throw new Error('this replica has no teacher');
  const { values, classes } = teacherLogitsOf(r.teacher, msg.inputIds, msg.batchSize, msg.seqLength);
  return { logits: values, numClasses: classes };
}
