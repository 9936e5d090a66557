import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Minimal first version: wasm (binaries from node_modules, no network) or cpu. */
export async function useBackend(name: 'wasm' | 'cpu'): Promise<string> {
  if (name === 'wasm') {
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    setWasmPaths(path.join(dir, 'dist') + path.sep);
  }
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to load`);
  await tf.ready();
  return tf.getBackend();
}
