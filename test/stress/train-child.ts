/**
 * The training process the kill-resume checks SIGKILL: a tiny seeded `distill()` run on the marker task with a
 * checkpoint every few steps, resuming from the latest checkpoint when there is one. Its teacher logs the token ids
 * of every batch it sees to `<log>`, one JSON line per optimizer step (`{ step, rows }`) written in `onStepEnd`, so
 * the checker can prove that no step's data was skipped or repeated across kills.
 *
 * Usage: node --import tsx test/stress/train-child.ts <out> <log> <maxSteps> <checkpointEvery> [seed]
 */
import * as tf from '@tensorflow/tfjs';
import { appendFileSync } from 'node:fs';
import { distill } from '../../src/train/distill.js';
import type { Teacher } from '../../src/models/types.js';
import { markerTask, prepared, quietOptions, withOptions } from '../integration/tiny-task.js';

const [out, log, maxStepsArg, everyArg, seedArg] = process.argv.slice(2);
const maxSteps = Number(maxStepsArg);
const seed = Number(seedArg ?? 1);

// A deterministic, parameter-free teacher: logit "moreA" = count of marker A, "fewerA" = count of marker B.
let rows: string[] = [];
const teacher: Teacher = {
  predict(ids: tf.Tensor2D) {
    rows = (ids.arraySync() as number[][]).map((r) => r.join(' '));
    return tf.tidy(() => ({ logits: tf.stack([tf.equal(ids, 6).sum(1), tf.equal(ids, 5).sum(1)], 1).toFloat() }));
  },
};

const result = await distill(
  withOptions(quietOptions(out), {
    seed,
    teacher,
    train: prepared(markerTask({ count: 48, seed: 5 })),
    data: { maxLength: 16, validationFraction: 0, cacheTeacher: false },
    schedule: { batchSize: 8, epochs: 100, maxSteps },
    checkpoints: { every: Number(everyArg), keep: 2, resume: true },
    logging: {
      logEvery: 1,
      callbacks: {
        onStepEnd({ step }) {
          appendFileSync(log, `${JSON.stringify({ step, rows })}\n`);
          process.stdout.write(`step ${step}\n`);
        },
      },
    },
  }),
);
result.student.dispose();
process.stdout.write('done\n');
