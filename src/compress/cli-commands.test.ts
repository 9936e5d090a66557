import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { optimizeCommand } from '../cli/commands/optimize.js';
import { pruneCommand } from '../cli/commands/prune.js';
import { quantizeCommand } from '../cli/commands/quantize.js';
import { loadClassifier } from '../io/classifier-checkpoint.js';
import { makeTinyCheckpoint, tinyTexts } from '../../test/tiny-checkpoint.js';
import { encoderBlocks } from './structured.js';

let dir: string;
beforeAll(async () => {
  await useBackend('wasm');
  dir = await mkdtemp(path.join(tmpdir(), 'tfd-cli-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** Runs a command handler and returns what it printed to stdout/stderr and the exit code it set. */
async function run(handler: unknown, args: Record<string, unknown>): Promise<{ out: string; err: string; code: number | undefined }> {
  const lines: string[] = [];
  const outLines: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    lines.push(a.join(' '));
  });
  const spyOut = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    outLines.push(a.join(' '));
  });
  const spyStderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true); // distill's progress
  const before = process.exitCode;
  try {
    await (handler as (a: unknown) => Promise<void>)({ _: [], $0: 'tfdistill', backend: 'wasm', ...args });
    return { out: outLines.join('\n'), err: lines.join('\n'), code: process.exitCode as number | undefined };
  } finally {
    spy.mockRestore();
    spyOut.mockRestore();
    spyStderr.mockRestore();
    process.exitCode = before;
  }
}

describe('compress CLI commands', () => {
  it('reject a non-checkpoint path, a bad sparsity and an unknown dtype with one clear line', async () => {
    const notCkpt = await run(pruneCommand.handler, {
      model: dir,
      sparsity: 0.5,
      method: 'magnitude',
      scope: 'layer',
      out: path.join(dir, 'o'),
    });
    expect(notCkpt.code).toBe(1);
    expect(notCkpt.err).toMatch(/not a tfdistill checkpoint/);
    const badSparsity = await run(pruneCommand.handler, {
      model: dir,
      sparsity: 1.5,
      method: 'magnitude',
      scope: 'layer',
      out: path.join(dir, 'o'),
    });
    expect(badSparsity.err).toMatch(/sparsity must be a number in \[0, 1\)/);
    const badDtype = await run(quantizeCommand.handler, { model: dir, dtype: 'int3', out: path.join(dir, 'o') });
    expect(badDtype.err).toMatch(/unknown dtype "int3"/);
    const badPreset = await run(optimizeCommand.handler, { model: dir, preset: 'heavy', dtype: 'uint8', out: path.join(dir, 'o') });
    expect(badPreset.err).toMatch(/unknown preset/);
  });

  it('optimize --preset full --teacher --recover-with-distill: distils, prunes with recovery, quantizes, cleans up', async () => {
    const ckpt = path.join(dir, 'student');
    (await makeTinyCheckpoint(ckpt, { dModel: 16, seed: 2 })).model.dispose();
    const csv = path.join(dir, 'train.csv');
    await writeFile(
      csv,
      `text,label\n${Array.from({ length: 2 }, () => tinyTexts)
        .flat()
        .map((r) => `"${r.text}",${r.label}`)
        .join('\n')}\n`,
    );
    const out = path.join(dir, 'full');
    const common = { model: ckpt, dtype: 'uint8', data: csv, teacher: ckpt, recoverEpochs: 1, distillEpochs: 1, force: false };
    const missing = await run(optimizeCommand.handler, { ...common, preset: 'medium', recoverWithDistill: true, data: undefined, out });
    expect(missing.err).toMatch(/--recover-with-distill needs training data/);
    const r = await run(optimizeCommand.handler, { ...common, preset: 'full', recoverWithDistill: true, json: true, out });
    expect(r.err).toBe('');
    expect(r.code).toBeUndefined();
    const report = JSON.parse(r.out) as { rows: Array<{ step: string }>; notes: string[] };
    expect(report.rows.map((x) => x.step)).toEqual([
      'original',
      'distilled',
      'structured 50% +recover',
      'uint8',
      'uint8 + int8 activations (simulated)',
    ]);
    expect(report.notes.join('\n')).toMatch(/distilled further/);
    expect((await readdir(out)).filter((f) => f.startsWith('.tfdistill'))).toEqual([]); // recovery run dirs removed
    const final = await loadClassifier(out);
    expect(encoderBlocks(final.model)[0].numHeads).toBe(1);
    final.model.dispose();
    const pruned = await run(pruneCommand.handler, {
      model: ckpt,
      sparsity: 0.6,
      schedule: [0.3, 0.6],
      method: 'magnitude',
      scope: 'layer',
      data: csv,
      recoverWithDistill: true,
      recoverEpochs: 1,
      out: path.join(dir, 'pruned'),
      force: false,
    });
    expect(pruned.err).toBe('');
    expect(pruned.out).toMatch(/prune 30% \+recover[\s\S]*prune 60% \+recover/);
    expect((await readdir(path.join(dir, 'pruned'))).filter((f) => f.startsWith('.tfdistill'))).toEqual([]);
    expect(await readdir(path.join(dir, 'pruned'))).toContain('model.json');
  });
});
