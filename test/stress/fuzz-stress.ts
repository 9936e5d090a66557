/**
 * The long fuzz runs of `npm run stress`: every parser target with many seeded cases (10,000 by default). The CLI
 * runs twice: `cli-inprocess` calls its `main()` in this process (milliseconds a case, so the full count), and `cli`
 * spawns a real process per case (~2 s each on 2 cores, so fewer: `cliCases`). Failures are printed with their case
 * ids; rerun one with `runFuzz({ ..., only: [caseNo] })`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/use-backend.js';
import { makeTinyCheckpoint } from '../tiny-checkpoint.js';
import { runFuzz, type FuzzSummary } from '../fuzz/harness.js';
import { cacheTarget } from '../fuzz/target-cache.js';
import { checkpointTarget } from '../fuzz/target-checkpoint.js';
import { cliTarget } from '../fuzz/target-cli.js';
import { cliInProcessTarget } from '../fuzz/target-cli-inprocess.js';
import { recordsTarget } from '../fuzz/target-records.js';
import { tokenizerTarget } from '../fuzz/target-tokenizer.js';

/** A fuzz summary plus the tensors left behind by the run (must be 0). */
export type StressFuzzResult = FuzzSummary & { leakedTensors: number };

/**
 * Runs the parsers' fuzz targets with a seed different from `npm test`'s (2 instead of 1), so stress explores new inputs.
 *
 * @example
 * ```ts
 * const results = await fuzzStress({ cases: 10_000, cliCases: 300, log: console.log });
 * ```
 */
export async function fuzzStress(opts: {
  cases: number;
  cliCases: number;
  targets?: string[];
  log: (s: string) => void;
}): Promise<StressFuzzResult[]> {
  await useBackend('wasm');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tfdistill-fuzz-stress-'));
  const base = path.join(dir, 'base');
  (await makeTinyCheckpoint(base)).model.dispose();
  const targets = [
    ['records', opts.cases, () => recordsTarget({ dir })],
    ['tokenizer', opts.cases, () => tokenizerTarget({ dir })],
    ['teacher-cache', opts.cases, () => cacheTarget({ dir })],
    ['checkpoint', opts.cases, () => checkpointTarget({ base, dir })],
    ['cli-inprocess', opts.cases, () => cliInProcessTarget({ dir })],
    ['cli', opts.cliCases, () => cliTarget({ dir })],
  ] as const;
  const results: StressFuzzResult[] = [];
  try {
    for (const [name, count, make] of targets) {
      if (opts.targets && !opts.targets.includes(name)) continue;
      const tensorsBefore = tf.memory().numTensors;
      const target = await make();
      const s = await runFuzz({
        name,
        seed: 2,
        count,
        timeoutMs: name === 'cli' ? 90_000 : 20_000,
        ...(target as object),
        onCase: (i: number) => {
          if ((i + 1) % 1000 === 0) opts.log(`  ${name}: ${i + 1}/${count}`);
        },
      } as unknown as Parameters<typeof runFuzz>[0]);
      results.push({ ...s, leakedTensors: tf.memory().numTensors - tensorsBefore });
      opts.log(
        `${name}: ${s.cases} cases, ${s.ok} ok, errors ${JSON.stringify(s.errors)}, ${s.failures.length} failures, ${s.seconds.toFixed(0)} s`,
      );
      for (const f of s.failures.slice(0, 5)) opts.log(`  FAIL ${f.id}: ${f.reason.split('\n')[0]}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}
