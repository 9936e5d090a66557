import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { TfdistillError } from '../errors.js';
import type { BackendInfo } from './backend-info.js';
import { registerWasmKernels } from './wasm-kernels/register.js';
import { relaxedSimdAvailable } from './wasm-kernels/simd/instance.js';
import { HELPER_LOOP, startMatMulHelper, type SpawnHelper } from './wasm-kernels/simd/matmul-threads.js';
import { simdSwitches } from './wasm-kernels/simd/switches.js';
import { startWasmThreaded } from './wasm-threads.js';

/**
 * Starts the wasm backend with its binaries read from the installed package's `dist/` folder
 * (tfjs would otherwise fetch them relative to the script URL, i.e. from the network), then adds
 * tfdistill's wasm kernels. Throws when the backend does not start. `threads > 1` starts the
 * threaded-SIMD build with that many XNNPACK threads ({@link startWasmThreaded}); a wasm backend
 * that already runs with another thread count cannot be restarted in-process (`INVALID_ARGUMENT`).
 * With `relaxedSimd` (the default) matmuls use relaxed SIMD's fused multiply-add where the engine has it; on
 * Node 20, whose V8 has it behind a flag, this sets `--experimental-wasm-relaxed-simd` for the process.
 *
 * @example
 * ```ts
 * const info = await startWasm(); // { name: 'wasm', wasmSimd: true, wasmThreads: 1, ... }
 * ```
 */
export async function startWasm(threads?: number, relaxedSimd = true): Promise<BackendInfo> {
  if (threads !== undefined && threads > 1 && tf.findBackend('wasm') === null) await startWasmThreaded({ threads });
  if (threads !== undefined && tf.findBackend('wasm') !== null && getThreadsCount() !== threads) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `the wasm backend already runs with ${getThreadsCount()} thread(s), not ${threads}`,
      'choose the thread count once per process, before anything uses the wasm backend',
    );
  }
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  // Only read before the backend's first start; later calls are harmless.
  setWasmPaths(path.join(dir, 'dist') + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start (see the warning above)');
  await tf.ready();
  const notes = registerWasmKernels();
  simdSwitches.fma = relaxedSimd && enableRelaxedSimd();
  notes.push(
    simdSwitches.fma
      ? 'wasm: matmuls use fused multiply-adds (relaxed SIMD)'
      : `wasm: matmuls multiply, then add (${relaxedSimd ? 'this engine has no relaxed SIMD' : 'relaxed SIMD turned off'})`,
  );
  if (getThreadsCount() > 1 && (await startMatMulHelper(tf.backend() as BackendWasm, spawnNodeHelper))) {
    notes.push('wasm: the SIMD matmul kernel splits big matmuls over a second thread (shared memory)');
  }
  return {
    name: 'wasm',
    requested: 'wasm',
    gpu: false,
    wasmSimd: (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true,
    wasmThreads: getThreadsCount(),
    wasmFma: simdSwitches.fma,
    tfjsVersion: tf.version.tfjs,
    notes,
  };
}

/** The matmul helper as a Node worker thread that does not keep the process alive. */
const spawnNodeHelper: SpawnHelper = (workerData) => {
  new Worker(`const { memory, bytes, control } = require('node:worker_threads').workerData;\n${HELPER_LOOP}`, {
    eval: true,
    workerData,
  }).unref();
};

/**
 * True when the engine accepts relaxed SIMD, after setting V8's `--experimental-wasm-relaxed-simd` if it did not
 * (Node 20; V8 reads wasm feature flags at each compile, and the flag only adds instructions).
 */
function enableRelaxedSimd(): boolean {
  if (relaxedSimdAvailable()) return true;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return relaxedSimdAvailable();
}

/**
 * Starts tfjs's pure-JS `cpu` backend without its "looks like you are running TensorFlow.js in
 * Node.js" banner: the banner is a `tf` warning printed on the backend's first tensor write, and
 * warnings are off while the `PROD` flag is set, so the first write happens here with `PROD` set
 * for just that moment (other tfjs warnings are unaffected).
 *
 * @example
 * ```ts
 * const info = await startCpu(); // { name: 'cpu', gpu: false, ... }
 * ```
 */
export async function startCpu(): Promise<BackendInfo> {
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not start');
  await tf.ready();
  const env = tf.env();
  const prod = env.getBool('PROD');
  env.set('PROD', true);
  try {
    tf.scalar(0).dispose();
  } finally {
    env.set('PROD', prod);
  }
  return { name: 'cpu', requested: 'cpu', gpu: false, tfjsVersion: tf.version.tfjs, notes: [] };
}
