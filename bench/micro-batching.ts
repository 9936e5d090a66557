/**
 * Latency/throughput of micro-batching for a few (maxBatchSize, maxWaitMs) settings on a small seeded student.
 * Run: npx tsx bench/micro-batching.ts [checkpointDir] (without a directory, a tiny seeded checkpoint is built in /tmp).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useBackend } from '../src/backend/use-backend.js';
import { createPredictor } from '../src/serve/predictor.js';
import { formatTradeoff, microBatchTradeoff } from '../src/serve/tradeoff.js';
import { makeTinyCheckpoint, tinyTexts } from '../test/tiny-checkpoint.js';

const info = await useBackend('wasm');
let dir = process.argv[2];
if (!dir) {
  dir = path.join(mkdtempSync(path.join(tmpdir(), 'tfd-mb-')), 'student');
  (await makeTinyCheckpoint(dir, { seed: 1, dModel: 64 })).model.dispose();
}
const texts = Array.from({ length: 512 }, (_, i) => `${tinyTexts[i % 8].text} ${tinyTexts[(i * 3) % 8].text}`);
const settings = [
  { maxBatchSize: 1, maxWaitMs: 0 },
  { maxBatchSize: 8, maxWaitMs: 0 },
  { maxBatchSize: 8, maxWaitMs: 5 },
  { maxBatchSize: 32, maxWaitMs: 2 },
  { maxBatchSize: 32, maxWaitMs: 10 },
];
const rows = await microBatchTradeoff((s) => createPredictor(dir, s), texts, settings, { concurrency: 32 });
console.log(`backend ${info.name}, ${texts.length} texts, 32 concurrent clients, model ${dir}`);
console.log(formatTradeoff(rows));
