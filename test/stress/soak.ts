/**
 * Soak: 5,000 training steps of a tiny student (one long `distill()` run, sampled every 500 steps from `onStepEnd`)
 * and 100,000 predictions through `createPredictor`. tfjs tensors and bytes must stay flat and RSS must grow by less
 * than 5% after warm-up. Prints the curve. Run with `node --expose-gc --import tsx test/stress/soak.ts [steps] [predictions]`
 * (or through `npm run stress`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { useBackend } from '../../src/backend/use-backend.js';
import { createPredictor } from '../../src/serve/predictor.js';
import { distill } from '../../src/train/distill.js';
import { markerTask, prepared, quietOptions, tinyEncoder, withOptions } from '../integration/tiny-task.js';
import { growth, sampleMemory, type MemorySample } from './measure.js';

/** What the soak measured. */
export interface SoakReport {
  trainSteps: number;
  trainCurve: MemorySample[];
  predictions: number;
  predictCurve: MemorySample[];
  train: ReturnType<typeof growth>;
  predict: ReturnType<typeof growth>;
  seconds: number;
}

/**
 * Runs the soak; `every` sets the sampling interval of both curves.
 *
 * @example
 * ```ts
 * const r = await soak({ steps: 5000, predictions: 100_000 });
 * ```
 */
export async function soak(opts: { steps: number; predictions: number; every?: number; log?: (s: string) => void }): Promise<SoakReport> {
  const started = performance.now();
  const every = opts.every ?? 500;
  const log = opts.log ?? (() => {});
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tfdistill-soak-'));
  await useBackend('wasm');
  const teacher = tinyEncoder({ seed: 9, numLayers: 2 });
  const trainCurve: MemorySample[] = [];
  try {
    const result = await distill(
      withOptions(quietOptions(path.join(dir, 'run')), {
        teacher,
        train: prepared(markerTask({ count: 256, seed: 3 })),
        data: { maxLength: 16, validationFraction: 0, cacheTeacher: false },
        schedule: { batchSize: 16, epochs: 1_000_000, maxSteps: opts.steps },
        checkpoints: { every: 1_000_000 },
        logging: {
          logEvery: 50,
          callbacks: {
            onStepEnd({ step }) {
              if (step % every !== 0 && step !== 1) return;
              const s = sampleMemory(step);
              trainCurve.push(s);
              log(`train step ${step}: ${s.numTensors} tensors, ${s.numBytes} bytes, RSS ${s.rssMiB.toFixed(1)} MiB`);
            },
          },
        },
      }),
    );
    result.student.dispose();
    const predictor = await createPredictor(result.checkpointDir, { maxBatchSize: 32, maxWaitMs: 1 });
    const predictCurve: MemorySample[] = [];
    const texts = ['t0 t0 t1 t5', 't1 t1 t9', 't0 t3 t4 t5 t6 t0', 't7 t8 t1'];
    const chunk = 256; // concurrent requests in flight, so the micro-batcher forms full batches
    for (let done = 0; done < opts.predictions; done += chunk) {
      await Promise.all(
        Array.from({ length: Math.min(chunk, opts.predictions - done) }, (_, i) => predictor.predict(texts[(done + i) % texts.length])),
      );
      const n = Math.min(done + chunk, opts.predictions);
      if (Math.floor(n / (every * 20)) !== Math.floor(done / (every * 20)) || done === 0) {
        const s = sampleMemory(n);
        predictCurve.push(s);
        log(`predictions ${n}: ${s.numTensors} tensors, ${s.numBytes} bytes, RSS ${s.rssMiB.toFixed(1)} MiB`);
      }
    }
    predictCurve.push(sampleMemory(opts.predictions));
    await predictor.close();
    // Warm-up: the first sample (step 1 / first batch) precedes allocator and JIT growth.
    return {
      trainSteps: opts.steps,
      trainCurve,
      predictions: opts.predictions,
      predictCurve,
      train: growth(trainCurve.slice(1)),
      predict: growth(predictCurve.slice(1)),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    teacher.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [steps, predictions] = process.argv.slice(2).map(Number);
  const r = await soak({ steps: steps || 5000, predictions: predictions || 100_000, log: console.log });
  console.log(JSON.stringify({ train: r.train, predict: r.predict, seconds: r.seconds }));
}
