// A web app that classifies what the user types with an exported student, in a Web Worker so that the page never
// blocks while the model runs. Build and serve it with `npx tsx examples/web-app/build.ts <export-web folder> <out>`
// (esbuild); bundlers that understand `new Worker(new URL(..., import.meta.url))` (Vite, webpack 5) should take it as is
// (not tested here).
import { createPredictor } from 'tfdistill/web';

const status = document.getElementById('status')!;
const input = document.getElementById('text') as HTMLInputElement;
const output = document.getElementById('output')!;

try {
  const predictor = await createPredictor('./model/', {
    // The worker script (predict-worker.ts) loads the model and answers predict() calls.
    worker: new Worker(new URL('./predict-worker.js', import.meta.url), { type: 'module' }),
    // `tfdistill export-web` put the wasm binaries beside the model.
    backend: { wasmPaths: './model/' },
  });
  status.textContent = `ready: ${predictor.labels.join(' / ')}`;
  input.addEventListener('input', async () => {
    if (input.value.trim() === '') return;
    const { label, probabilities } = await predictor.predict(input.value);
    output.textContent = `${label} (${(100 * probabilities[label]).toFixed(1)}%)`;
  });
  Object.assign(window, { app: { predictor } }); // for scripts and tests
  document.body.dataset.ready = 'true';
} catch (e) {
  status.textContent = `cannot load the model: ${(e as Error).message}`;
  document.body.dataset.ready = 'error';
}
