/**
 * The two students the latency benches time (`bench/web.ts`, `bench/int8.ts`): the demo's student at the demo's
 * length, and the bench workload's student at the workload's length. Weights are random (seeded): latency does not
 * depend on them.
 */
import { demoSettings } from '../src/demo/run-demo.js';
import { encoderPresets } from '../src/models/options.js';
import { randomBatch, workload } from './workload.js';

const demo = demoSettings.full;

/** Name, folder name, sequence length and encoder options of each student. */
export const benchStudents = [
  {
    name: 'demo student (d64 x 1 block, 64 tokens)',
    dir: 'demo',
    seq: demo.maxLength,
    options: { ...encoderPresets.studentSmall, ...demo.student, vocabSize: demo.vocabSize, maxLength: demo.maxLength },
  },
  {
    name: 'bench student (d128 x 2 blocks, 128 tokens)',
    dir: 'bench',
    seq: workload.seq,
    options: { ...encoderPresets.studentSmall, ...workload.student, vocabSize: workload.vocab, maxLength: workload.maxLength },
  },
];

/** `workload.batch` rows of `seq` token ids in [1, vocabSize): the workload's generator, cut to this student. */
export function studentIds(spec: (typeof benchStudents)[number]): Int32Array {
  return randomBatch(workload, 3)
    .inputIds.map((id) => 1 + (id % (spec.options.vocabSize - 1)))
    .slice(0, workload.batch * spec.seq);
}
