import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/use-backend.js';
import { expectNoLeaks } from '../helpers.js';
import { makeTinyCheckpoint } from '../tiny-checkpoint.js';
import { formatFailures, runFuzz } from './harness.js';
import { checkpointTarget } from './target-checkpoint.js';

const dir = await mkdtemp(path.join(os.tmpdir(), 'tfdistill-fuzz-checkpoint-'));
const base = path.join(dir, 'base');
beforeAll(async () => {
  await useBackend('wasm');
  (await makeTinyCheckpoint(base)).model.dispose();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('fuzz: checkpoint (model.json, weights manifest, shards, tfdistill.json, tokenizer.json)', () => {
  it('ends every damaged checkpoint in a load or one TfdistillError with a code, leaking no tensor (300 cases)', async () => {
    const summary = await expectNoLeaks(async () =>
      runFuzz({ name: 'checkpoint', seed: 1, count: 300, timeoutMs: 10_000, ...(await checkpointTarget({ base, dir })) }),
    );
    expect(summary.failures, formatFailures(summary)).toEqual([]);
    expect(summary.cases).toBe(300);
    expect(summary.ok).toBeGreaterThan(0);
    expect(summary.errors.CHECKPOINT_INVALID).toBeGreaterThan(0);
    expect(summary.errors.NON_FINITE).toBeGreaterThan(0);
  });
});
