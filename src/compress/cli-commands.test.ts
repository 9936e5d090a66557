import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { optimizeCommand } from '../cli/commands/optimize.js';
import { pruneCommand } from '../cli/commands/prune.js';
import { quantizeCommand } from '../cli/commands/quantize.js';

let dir: string;
beforeAll(async () => {
  await useBackend('wasm');
  dir = await mkdtemp(path.join(tmpdir(), 'tfd-cli-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** Runs a command handler and returns what it printed to stderr and the exit code it set. */
async function run(handler: unknown, args: Record<string, unknown>): Promise<{ err: string; code: number | undefined }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { lines.push(a.join(' ')); });
  const before = process.exitCode;
  try {
    await (handler as (a: unknown) => Promise<void>)({ _: [], $0: 'tfdistill', ...args });
    return { err: lines.join('\n'), code: process.exitCode as number | undefined };
  } finally {
    spy.mockRestore();
    process.exitCode = before;
  }
}

describe('compress CLI commands', () => {
  it('reject a non-checkpoint path, a bad sparsity and an unknown dtype with one clear line', async () => {
    const notCkpt = await run(pruneCommand.handler, { checkpoint: dir, sparsity: 0.5, method: 'magnitude', scope: 'layer', out: path.join(dir, 'o') });
    expect(notCkpt.code).toBe(1);
    expect(notCkpt.err).toMatch(/not a tfdistill checkpoint/);
    const badSparsity = await run(pruneCommand.handler, { checkpoint: dir, sparsity: 1.5, method: 'magnitude', scope: 'layer', out: path.join(dir, 'o') });
    expect(badSparsity.err).toMatch(/sparsity must be a number in \[0, 1\)/);
    const badDtype = await run(quantizeCommand.handler, { checkpoint: dir, dtype: 'int3', out: path.join(dir, 'o') });
    expect(badDtype.err).toMatch(/unknown dtype "int3"/);
    const badPreset = await run(optimizeCommand.handler, { checkpoint: dir, preset: 'heavy', dtype: 'uint8', out: path.join(dir, 'o') });
    expect(badPreset.err).toMatch(/unknown preset/);
  });
});
