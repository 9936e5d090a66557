/**
 * Numerical faults are detected and reported with where they are: NaN/Inf teacher logits in a data file (column and
 * line), in a teacher cache (row and class), in a live teacher's outputs during distillation (NON_FINITE from the loss
 * tracker), and in a loaded checkpoint's weights (weight name; see malicious-checkpoints.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/use-backend.js';
import { loadRecords } from '../../src/data/readers/read-records.js';
import { crc32, inputChecksum } from '../../src/data/teacher-cache/checksum.js';
import { encodeHeader } from '../../src/data/teacher-cache/format.js';
import { parseTeacherCache } from '../../src/data/teacher-cache/read.js';
import { encodeRows } from '../../src/data/teacher-cache/rows.js';
import type { Example } from '../../src/data/types.js';
import { TfdistillError } from '../../src/errors.js';
import type { Teacher } from '../../src/models/types.js';
import { distill } from '../../src/train/distill.js';
import { expectNoLeaks } from '../helpers.js';
import { markerTask, prepared, quietOptions, withOptions } from '../integration/tiny-task.js';

let dir: string;
beforeAll(async () => {
  await useBackend('wasm');
  dir = await mkdtemp(path.join(os.tmpdir(), 'tfdistill-numerical-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function rejection(work: Promise<unknown>): Promise<TfdistillError> {
  const e = await work.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TfdistillError);
  return e as TfdistillError;
}

describe('numerical faults', () => {
  it.each([['NaN'], ['Infinity'], ['-Infinity'], ['1e999']])(
    'teacher logit %s in a CSV is refused naming the column and line',
    async (value) => {
      const file = path.join(dir, `logits-${value}.csv`);
      await writeFile(file, `text,label,logit_0,logit_1\nhello,ham,0.5,-0.5\nwin money,spam,${value},1\n`);
      const e = await rejection(loadRecords(file));
      expect(e.code).toBe('DATA_INVALID');
      expect(e.message).toMatch(new RegExp(`line 3: logit_0 is not a finite number: "${value}"`));
    },
  );

  it('a NaN in a JSON logits column is refused naming the line', async () => {
    const file = path.join(dir, 'logits.jsonl');
    await writeFile(file, '{"text": "a", "label": "ham", "logits": [1, 2]}\n{"text": "b", "label": "spam", "logits": "[NaN, 1]"}\n');
    const e = await rejection(loadRecords(file, { teacherLogitsColumn: 'logits' }));
    expect(e.message).toMatch(/line 2: teacher logits are not a JSON array/);
  });

  it.each([['float32'], ['float16']] as const)('a teacher cache (%s) holding Inf is refused naming the row, example and class', (dtype) => {
    const examples: Example[] = Array.from({ length: 4 }, (_, i) => ({ ids: Int32Array.from([2, 5 + i, 3]), label: 0, index: 10 + i }));
    const logits = [0, 1, 2, 3, 4, 5, Infinity, 7];
    const payload = encodeRows(logits, 4, { numClasses: 2, topK: 0, dtype });
    const header = encodeHeader({
      totalRows: 4,
      rowStart: 0,
      rowEnd: 4,
      numClasses: 2,
      topK: 0,
      dtype,
      shardIndex: 0,
      shardCount: 1,
      inputChecksum: inputChecksum(examples, 0, 4),
      payloadChecksum: crc32(0, payload),
      teacherId: 't',
    });
    const bytes = new Uint8Array(header.length + payload.length);
    bytes.set(header);
    bytes.set(payload, header.length);
    const e = (() => {
      try {
        parseTeacherCache(bytes, { examples });
      } catch (err) {
        return err as TfdistillError;
      }
    })();
    expect(e?.code).toBe('NON_FINITE');
    expect(e?.message).toMatch(/teacher cache row 3 \(example index 13\): the logit of class 0 is not finite/);
  });

  it('a live teacher that outputs NaN stops distillation with NON_FINITE before a checkpoint is written', async () => {
    const out = path.join(dir, 'nan-teacher');
    // A teacher that turns to NaN on its 3rd batch.
    let calls = 0;
    const teacher: Teacher = {
      predict: (ids) =>
        tf.tidy(() => {
          calls++;
          const logits = tf.stack([tf.equal(ids, 6).sum(1), tf.equal(ids, 5).sum(1)], 1).toFloat();
          return { logits: calls >= 3 ? logits.mul(NaN) : logits };
        }),
    };
    await expectNoLeaks(async () => {
      const e = await rejection(
        distill(
          withOptions(quietOptions(out), {
            teacher,
            train: prepared(markerTask({ count: 32, seed: 2 })),
            data: { maxLength: 16, validationFraction: 0, cacheTeacher: false },
            schedule: { batchSize: 8, maxSteps: 8 },
            checkpoints: { every: 4 },
            logging: { logEvery: 2 },
            runtime: { replicas: 1 }, // one teacher call per batch (with more, one per replica's shard)
          }),
        ),
      );
      expect(e.code).toBe('NON_FINITE');
      expect(e.message).toMatch(/the tensor "teacher logits" holds NaN or Infinity at step 3/);
    });
    // The checkpoint due at step 4 would hold weights the NaN touched: it was never written.
    expect(await readdir(path.join(out, 'checkpoints')).catch(() => [])).not.toContain('step-00000004');
  });
});
