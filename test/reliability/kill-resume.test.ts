/**
 * Fast crash-and-resume check (the stress script does >= 20 kills): SIGKILL a tiny training process 3 times, once
 * while a checkpoint is being written, resume each time; every checkpoint on disk loads, the final weights equal an
 * uninterrupted run's, and no step's batch was skipped or repeated.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/use-backend.js';
import { Rng } from '../../src/util/rng.js';
import { expectNoLeaks } from '../helpers.js';
import { killResume } from '../stress/kill-resume-core.js';

let dir: string;
beforeAll(async () => {
  await useBackend('wasm');
  dir = await mkdtemp(path.join(os.tmpdir(), 'tfdistill-kill-resume-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('SIGKILL and resume', () => {
  it('survives 3 kills (one during a checkpoint write) with identical weights and data order', async () => {
    const report = await expectNoLeaks(() => killResume({ dir, kills: 3, maxSteps: 12, checkpointEvery: 2, rng: new Rng(7) }));
    expect(report.kills).toBe(3);
    expect(report.killsDuringWrite).toBeGreaterThanOrEqual(1);
    expect(report.badCheckpoints).toEqual([]);
    expect(report.checkpointsLoaded).toBeGreaterThan(0);
    expect(report.dataMismatches).toEqual([]);
    expect(report.maxWeightDiff).toBeLessThanOrEqual(1e-6);
  });
});
