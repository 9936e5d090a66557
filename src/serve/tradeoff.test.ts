import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectNoLeaks } from '../../test/helpers.js';
import { makeTinyCheckpoint, tinyTexts } from '../../test/tiny-checkpoint.js';
import { createPredictor } from './predictor.js';
import { formatTradeoff, microBatchTradeoff } from './tradeoff.js';

const dir = path.join(mkdtempSync(path.join(tmpdir(), 'tfd-tradeoff-')), 'student');
beforeAll(async () => {
  await useBackend('wasm');
  (await makeTinyCheckpoint(dir)).model.dispose();
});

describe('microBatchTradeoff', () => {
  it('reports one row per setting; batch size 1 means batches of 1, larger settings batch concurrent clients', async () => {
    await expectNoLeaks(async () => {
      const texts = Array.from({ length: 24 }, (_, i) => tinyTexts[i % 8].text);
      const rows = await microBatchTradeoff(
        (s) => createPredictor(dir, s),
        texts,
        [
          { maxBatchSize: 1, maxWaitMs: 0 },
          { maxBatchSize: 8, maxWaitMs: 2 },
        ],
        { concurrency: 8 },
      );
      expect(rows.map((r) => r.maxBatchSize)).toEqual([1, 8]);
      expect(rows[0].meanBatchSize).toBe(1);
      expect(rows[1].meanBatchSize).toBeGreaterThan(1);
      expect(rows.every((r) => r.textsPerSecond > 0 && r.latencyMs.p50 > 0)).toBe(true);
      expect(formatTradeoff(rows).split('\n')).toHaveLength(3);
    });
  });
});
