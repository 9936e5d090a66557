/**
 * The page script of `npm run bench:web` (bundled like the exported page: TF.js is the page's global `tf`). It starts
 * the backend its URL names, loads each bench model and reports forward latencies to the driver in Node.
 */
import * as tf from '@tensorflow/tfjs';
import '../../src/models/register.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { int8Form } from '../../src/backend/wasm-kernels/linear-int8.js';
import { useWebBackend, type WebBackendName } from '../../src/web/web-backend.js';
import { forwardLatencyMs, runsFor } from './latency-probe.js';

/** What the driver asks for: one backend, every model, every batch size. */
export interface WebBenchRequest {
  backend: WebBackendName;
  kernels: boolean;
  /** `int8`: an int8 student (quantize --dtype int8), run only on wasm with tfdistill's kernels. */
  models: Array<{ name: string; url: string; seq: number; ids: number[]; int8: boolean }>;
  batches: number[];
}

/** One measured cell. */
export interface WebBenchCell {
  model: string;
  batch: number;
  ms: number;
}

async function run(request: WebBenchRequest): Promise<{ backend: unknown; cells: WebBenchCell[]; int8Form?: string }> {
  const backend = await useWebBackend({ backends: [request.backend], kernels: request.kernels });
  const cells: WebBenchCell[] = [];
  const withInt8 = request.backend === 'wasm' && request.kernels;
  for (const m of request.models.filter((model) => withInt8 || !model.int8)) {
    const model = await tf.loadLayersModel(m.url);
    const ids = Int32Array.from(m.ids);
    for (const batch of request.batches)
      cells.push({ model: m.name, batch, ms: await forwardLatencyMs(model, ids, batch, m.seq, runsFor(batch, request.backend)) });
    model.dispose();
  }
  return { backend, cells, ...(withInt8 ? { int8Form: int8Form(tf.backend() as BackendWasm) } : {}) };
}

Object.assign(window, { benchRun: run });
document.body.dataset.ready = 'true';
