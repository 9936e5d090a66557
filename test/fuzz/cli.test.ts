import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatFailures, runFuzz } from './harness.js';
import { cliTarget } from './target-cli.js';

const dir = await mkdtemp(path.join(os.tmpdir(), 'tfdistill-fuzz-cli-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('fuzz: CLI arguments', () => {
  it('answers random arguments with exit 0/1/2 and no internal error or stack trace (6 processes; more in npm run stress)', async () => {
    const summary = await runFuzz({ name: 'cli', seed: 1, count: 6, ...(await cliTarget({ dir })) });
    expect(summary.failures, formatFailures(summary)).toEqual([]);
    expect(summary.cases).toBe(6);
  });
});
