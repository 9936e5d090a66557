import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import type { BackendInfo, BackendName, ConcreteBackendName, UseBackendOptions } from './backend-info.js';
import { backendNames } from './backend-info.js';
import { gpuRequirements, loadNodeBackend, nodePackages, type NodeBackendName } from './node-backends.js';
import { startCpu, startWasm } from './start-js-backends.js';

/** The last successful call, so a repeated call is a cheap no-op while its backend is current. */
let current: { requested: BackendName; info: BackendInfo } | undefined;
/** Calls still loading, so concurrent calls for one name share the work. */
const pending = new Map<BackendName, Promise<BackendInfo>>();

/**
 * Selects and initializes the tfjs backend tfdistill computes on.
 *
 * `auto` tries `tensorflow-gpu`, `tensorflow`, `wasm`, `cpu` in that order and returns the first
 * that loads, with a note for each one skipped. A named backend either loads or throws
 * `TfdistillError('BACKEND_UNAVAILABLE')` naming the package to install: it never falls back.
 * `tensorflow-gpu` also throws when the package loads but TensorFlow found no CUDA GPU.
 * `wasm` loads its binaries from node_modules (no network) and adds tfdistill's wasm kernels
 * (a gather gradient, fast transposed/batched matmuls). Calling again with the same name is cheap.
 *
 * @example
 * ```ts
 * const info = await useBackend('auto');
 * console.log(info.name, info.gpu, info.notes); // 'wasm' false ['tensorflow-gpu skipped: ...', ...]
 * await useBackend('tensorflow-gpu'); // throws BACKEND_UNAVAILABLE with CUDA requirements if it can't
 * ```
 */
export async function useBackend(name: BackendName, options: UseBackendOptions = {}): Promise<BackendInfo> {
  if (!backendNames.includes(name)) {
    throw new TfdistillError('INVALID_ARGUMENT', `Unknown backend '${String(name)}'. Valid: ${backendNames.join(', ')}.`);
  }
  const threads = options.wasmThreads;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 8)) {
    throw new TfdistillError('INVALID_ARGUMENT', `wasm threads must be an integer in [1, 8], got ${String(threads)}`);
  }
  if (
    current?.requested === name &&
    tf.getBackend() === tfjsName(current.info.name) &&
    (current.info.name !== 'wasm' ||
      ((options.wasmThreads === undefined || current.info.wasmThreads === options.wasmThreads) &&
        (options.wasmRelaxedSimd === undefined || current.info.wasmFma === options.wasmRelaxedSimd)))
  ) {
    return copy(current.info);
  }
  const inFlight = pending.get(name);
  if (inFlight !== undefined) return copy(await inFlight);
  const loading = load(name, options).finally(() => pending.delete(name));
  pending.set(name, loading);
  const info = await loading;
  current = { requested: name, info };
  return copy(info);
}

async function load(name: BackendName, options: UseBackendOptions): Promise<BackendInfo> {
  const importModule = options.importModule ?? ((specifier: string) => import(specifier));
  if (name !== 'auto') {
    const info = await loadNamed(name, importModule, options);
    return { ...info, requested: name };
  }
  const skipped: string[] = [];
  for (const candidate of ['tensorflow-gpu', 'tensorflow'] as const) {
    const result = await loadNodeBackend(candidate, importModule);
    if (result.ok) return { ...base(candidate, 'auto', result.gpu), notes: [...skipped, ...result.notes] };
    skipped.push(`${candidate} skipped: ${result.reason}`);
  }
  try {
    const info = await startWasm(options.wasmThreads, options.wasmRelaxedSimd);
    return { ...info, requested: 'auto', notes: [...skipped, ...info.notes] };
  } catch (e) {
    skipped.push(`wasm skipped: ${e instanceof Error ? e.message : String(e)}`);
  }
  const info = await startCpu();
  return { ...info, requested: 'auto', notes: [...skipped, ...info.notes] };
}

async function loadNamed(
  name: ConcreteBackendName,
  importModule: (s: string) => Promise<unknown>,
  options: UseBackendOptions,
): Promise<BackendInfo> {
  if (name === 'wasm' || name === 'cpu') {
    try {
      return await (name === 'wasm' ? startWasm(options.wasmThreads, options.wasmRelaxedSimd) : startCpu());
    } catch (e) {
      if (e instanceof TfdistillError) throw e;
      const pkg = name === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs';
      throw new TfdistillError(
        'BACKEND_UNAVAILABLE',
        `Backend '${name}' failed to load: ${e instanceof Error ? e.message : String(e)}`,
        `Reinstall ${pkg}@4.22.0.`,
      );
    }
  }
  const result = await loadNodeBackend(name, importModule);
  if (!result.ok) throw unavailable(name, result.reason);
  if (name === 'tensorflow-gpu' && !result.gpu) {
    throw unavailable(name, `${nodePackages[name]} loaded, but TensorFlow found no usable CUDA GPU and would run on the CPU`);
  }
  return { ...base(name, name, result.gpu), notes: result.notes };
}

function unavailable(name: NodeBackendName, reason: string): TfdistillError {
  const pkg = nodePackages[name];
  const install = `npm install ${pkg}@4.22.0`;
  const needs = name === 'tensorflow-gpu' ? ` ${gpuRequirements}.` : '';
  return new TfdistillError(
    'BACKEND_UNAVAILABLE',
    `Backend '${name}' is unavailable: ${reason}. Install it with \`${install}\`.${needs}`,
    `${install}, or use 'auto' to pick the fastest backend that loads.`,
  );
}

function base(name: ConcreteBackendName, requested: BackendName, gpu: boolean): BackendInfo {
  return { name, requested, gpu, tfjsVersion: tf.version.tfjs, notes: [] };
}

function tfjsName(name: ConcreteBackendName): string {
  return name === 'tensorflow-gpu' ? 'tensorflow' : name;
}

function copy(info: BackendInfo): BackendInfo {
  return { ...info, notes: [...info.notes] };
}
