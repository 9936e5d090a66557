import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/use-backend.js';
import { expectNoLeaks } from '../helpers.js';
import { AcceptedOutcome, formatFailures, runFuzz } from './harness.js';
import { cliInProcessTarget } from './target-cli-inprocess.js';

const dir = await mkdtemp(path.join(os.tmpdir(), 'tfdistill-fuzz-cli-inprocess-'));
beforeAll(() => useBackend('wasm'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('fuzz: CLI arguments, in-process', () => {
  it('answers random arguments with exit 0/1/2, no internal error or stack trace, no leaked tensor or listener (200 cases)', async () => {
    const cwd = process.cwd();
    const summary = await expectNoLeaks(async () =>
      runFuzz({ name: 'cli-inprocess', seed: 1, count: 200, ...(await cliInProcessTarget({ dir })) }),
    );
    expect(summary.failures, formatFailures(summary)).toEqual([]);
    expect(summary.cases).toBe(200);
    // The generator must reach every outcome: help/version (0), user errors (1) and bad arguments (2).
    expect(summary.ok).toBeGreaterThan(0);
    expect(summary.errors['exit 1']).toBeGreaterThan(0);
    expect(summary.errors['exit 2']).toBeGreaterThan(0);
    expect(process.cwd()).toBe(cwd);
    expect(process.exitCode).toBeFalsy();
  });

  it('gives known arguments the exit code a real process gets, without printing to the real console', async () => {
    const target = await cliInProcessTarget({ dir });
    const outcome = (args: string[]) =>
      target.run(args, 0).then(
        () => 'exit 0',
        (e: unknown) => (e instanceof AcceptedOutcome ? e.code : e),
      );
    expect(await outcome(['--version'])).toBe('exit 0'); // yargs calls process.exit(0)
    expect(await outcome(['eval', '--help'])).toBe('exit 0');
    expect(await outcome(['eval', path.join(dir, 'fake-ckpt'), path.join(dir, 'bad.csv')])).toBe('exit 1'); // CHECKPOINT_INVALID
    expect(await outcome(['eval', path.join(dir, 'fake-ckpt'), path.join(dir, 'bad.csv'), '--verbose'])).toBe('exit 1'); // stack allowed
    expect(await outcome(['trian'])).toBe('exit 2');
    // A one-value option given twice is bad arguments (yargs would pass the command an array); arrays may repeat.
    expect(await outcome(['train', '--data', path.join(dir, 'bad.csv'), '--data', path.join(dir, 'bad.jsonl')])).toBe('exit 2');
    expect(await outcome(['bench', path.join(dir, 'fake-ckpt'), '--batch-sizes', '1,8'])).toBe('exit 1'); // coerced to an array: fine
    expect(await outcome(['quantize', path.join(dir, 'fake-ckpt'), '--out', 'q', '--exclude', 'a', '--exclude', 'b'])).toBe('exit 1');
    expect(await outcome(['train', '--data', path.join(dir, 'bad.csv'), '--out', '..', '--force'])).toBe('exit 1'); // refused, not deleted
  });
});
