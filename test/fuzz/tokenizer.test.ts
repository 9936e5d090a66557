import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatFailures, runFuzz } from './harness.js';
import { tokenizerTarget } from './target-tokenizer.js';

const dir = await mkdtemp(path.join(os.tmpdir(), 'tfdistill-fuzz-tokenizer-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('fuzz: tokenizer', () => {
  it('ends every generated input in success or one TfdistillError with a code (300 seeded cases)', async () => {
    const summary = await runFuzz({ name: 'tokenizer', seed: 1, count: 300, timeoutMs: 5000, ...tokenizerTarget({ dir }) });
    expect(summary.failures, formatFailures(summary)).toEqual([]);
    expect(summary.cases).toBe(300);
    // The generator must reach both outcomes, or it is not testing the parser.
    expect(summary.ok).toBeGreaterThan(0);
    expect(Object.keys(summary.errors).length).toBeGreaterThan(0);
  });
});
