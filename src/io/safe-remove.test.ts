import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { runDemo } from '../demo/run-demo.js';
import { distill } from '../train/distill.js';
import { assertRemovable } from './safe-remove.js';

let tmp: string;
const cwd = process.cwd();
beforeAll(async () => {
  await useBackend('wasm');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfd-safe-remove-'));
});
afterEach(() => process.chdir(cwd));
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

describe('assertRemovable', () => {
  it('refuses the filesystem root, the home directory, the working directory and its parents', async () => {
    const inner = path.join(tmp, 'a', 'b');
    await fs.mkdir(inner, { recursive: true });
    process.chdir(inner);
    for (const dir of ['/', os.homedir(), '.', '', '..', '../..', tmp]) {
      expect(() => assertRemovable(dir), dir).toThrow(expect.objectContaining({ code: 'OUTPUT_EXISTS' }));
    }
    // A sibling or a child of the working directory is fine, and so is a name that merely shares a prefix.
    await fs.mkdir(path.join(tmp, 'a', 'b-sibling'));
    for (const dir of ['../b-sibling', 'child', path.join(tmp, 'a', 'b2')]) expect(() => assertRemovable(dir), dir).not.toThrow();
  });
});

describe('replacing an output folder', () => {
  it('distill force: true refuses an out that contains the working directory instead of deleting it', async () => {
    const inner = path.join(tmp, 'project', 'src');
    await fs.mkdir(inner, { recursive: true });
    await fs.writeFile(path.join(inner, 'keep.txt'), 'mine');
    process.chdir(inner);
    await expect(
      distill({ train: 'train.csv', out: '..', checkpoints: { force: true }, runtime: { backend: 'wasm' }, logging: { progress: false } }),
    ).rejects.toMatchObject({ code: 'OUTPUT_EXISTS', message: expect.stringMatching(/working directory/) });
    expect(await fs.readFile(path.join(inner, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('distill refuses an out that is a file (OUTPUT_EXISTS) and reports an out it cannot create as IO_ERROR', async () => {
    const file = path.join(tmp, 'data.jsonl');
    await fs.writeFile(file, '{"text": "x"}\n');
    for (const force of [false, true]) {
      await expect(
        distill({ train: file, out: file, checkpoints: { force }, runtime: { backend: 'wasm' }, logging: { progress: false } }),
      ).rejects.toMatchObject({ code: 'OUTPUT_EXISTS', message: expect.stringMatching(/not a directory/) });
    }
    await expect(
      distill({ train: file, out: path.join(file, 'run'), runtime: { backend: 'wasm' }, logging: { progress: false } }),
    ).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringMatching(/cannot create the run directory/) });
    expect(await fs.readFile(file, 'utf8')).toBe('{"text": "x"}\n');
  });

  it('the demo refuses (OUTPUT_EXISTS) an --out folder or file it did not write, and leaves it alone', async () => {
    const mine = path.join(tmp, 'documents');
    await fs.mkdir(path.join(mine, 'teacher'), { recursive: true });
    await fs.writeFile(path.join(mine, 'thesis.tex'), 'years of work');
    await expect(runDemo({ out: mine, force: true, log: () => {} })).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
      message: expect.stringMatching(/thesis\.tex.*refusing/),
    });
    expect(await fs.readFile(path.join(mine, 'thesis.tex'), 'utf8')).toBe('years of work');
    const file = path.join(tmp, 'notes.txt');
    await fs.writeFile(file, 'x');
    await expect(runDemo({ out: file, force: true, log: () => {} })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    expect(await fs.readFile(file, 'utf8')).toBe('x');
  });
});
