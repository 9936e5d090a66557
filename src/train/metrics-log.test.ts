import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetricsLog } from './metrics-log.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tfdistill-metrics-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('MetricsLog', () => {
  it('appends one JSON line per record, in call order, creating the directory', async () => {
    const file = path.join(dir, 'out', 'metrics.jsonl');
    const log = new MetricsLog({ path: file });
    await Promise.all([
      log.append({ step: 1, kind: 'train', loss: 0.9, lr: 1e-4 }),
      log.append({ step: 2, kind: 'train', loss: Number.NaN }),
      log.append({ step: 2, kind: 'eval', accuracy: 0.5 }),
    ]);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toEqual([
      '{"step":1,"kind":"train","loss":0.9,"lr":0.0001}',
      '{"step":2,"kind":"train","loss":null}',
      '{"step":2,"kind":"eval","accuracy":0.5}',
    ]);
    expect((await log.read()).map((r) => r.kind)).toEqual(['train', 'train', 'eval']);
  });

  it('keeps earlier lines up to the resumed step and drops later and partial ones', async () => {
    const file = path.join(dir, 'metrics.jsonl');
    await writeFile(
      file,
      [
        '{"step":10,"kind":"train","loss":1}',
        '{"step":20,"kind":"eval","accuracy":0.6}',
        '{"step":30,"kind":"train","loss":0.5}',
        '{"step":40,"kind":"tr', // cut short by a crash
      ].join('\n'),
    );
    const log = new MetricsLog({ path: file });
    expect(await log.truncateAfterStep(20)).toBe(2);
    await log.append({ step: 30, kind: 'train', loss: 0.45 });
    expect((await log.read()).map((r) => [r.step, r.kind])).toEqual([
      [10, 'train'],
      [20, 'eval'],
      [30, 'train'],
    ]);
  });

  it('treats a missing file as empty', async () => {
    const log = new MetricsLog({ path: path.join(dir, 'none.jsonl') });
    expect(await log.read()).toEqual([]);
    expect(await log.truncateAfterStep(5)).toBe(0);
    expect(() => log.append({ step: -1, kind: 'train' })).toThrow(/step/);
  });
});
