import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from './run-demo.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfd-demo-'));
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

describe('runDemo', () => {
  it('refuses (OUTPUT_EXISTS) a previous demo without force, before it trains or deletes anything', async () => {
    const out = path.join(tmp, 'tfdistill-demo');
    await fs.mkdir(path.join(out, 'student'), { recursive: true });
    await fs.writeFile(path.join(out, 'demo-table.txt'), 'the last run');
    await expect(runDemo({ out, log: () => {} })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS', hint: expect.stringMatching(/--force/) });
    expect(await fs.readFile(path.join(out, 'demo-table.txt'), 'utf8')).toBe('the last run');
  });
});
