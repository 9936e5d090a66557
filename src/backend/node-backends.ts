import * as tf from '@tensorflow/tfjs';
import type { ModuleImporter } from './backend-info.js';

/** The two TensorFlow (libtensorflow) backends, by our name. */
export type NodeBackendName = 'tensorflow-gpu' | 'tensorflow';

/** The npm package behind each. @example `nodePackages['tensorflow-gpu'] // '@tensorflow/tfjs-node-gpu'` */
export const nodePackages: Readonly<Record<NodeBackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

/** What tfjs-node-gpu 4.22 runs on (its prebuilt libtensorflow 2.9.1). @example `throw new Error(gpuRequirements)` */
export const gpuRequirements = '@tensorflow/tfjs-node-gpu 4.22 needs Linux x64 with CUDA 11.2 and cuDNN 8.1 on the library path';

/**
 * Outcome of trying one TensorFlow package: loaded (and whether TensorFlow put ops on a GPU), or
 * why not, in words fit for `BackendInfo.notes` and error messages.
 */
export type NodeLoadResult = { ok: true; gpu: boolean; notes: string[] } | { ok: false; reason: string };

/**
 * Imports `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node` and makes its `tensorflow` backend
 * current. Both packages register a backend called `tensorflow` on import (priority 3); the GPU
 * build's backend exposes `isUsingGpuDevice`, which the native binding sets when TensorFlow found a
 * CUDA device. Never throws: a missing or broken package is a `{ ok: false, reason }`.
 *
 * @example
 * ```ts
 * const r = await loadNodeBackend('tensorflow-gpu', (s) => import(s));
 * if (r.ok && r.gpu) console.log('training on the GPU');
 * ```
 */
export async function loadNodeBackend(name: NodeBackendName, importModule: ModuleImporter): Promise<NodeLoadResult> {
  const pkg = nodePackages[name];
  let mod: unknown;
  try {
    mod = await importModule(pkg);
  } catch (e) {
    return { ok: false, reason: isNotInstalled(e, pkg) ? `${pkg} is not installed` : `${pkg} failed to load: ${firstLine(e)}` };
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    return { ok: false, reason: `${pkg} loaded but registered no 'tensorflow' backend` };
  }
  const started = await tf.setBackend('tensorflow').catch(() => false);
  if (!started) return { ok: false, reason: `${pkg} loaded but its 'tensorflow' backend failed to start` };
  await tf.ready();
  const gpu = reportsGpu(tf.backend());
  const notes = [`${name}: ${pkg}${versionOf(mod)} loaded`];
  if (!gpu) notes.push(`${name}: TensorFlow runs on the CPU (no CUDA device in use)`);
  return { ok: true, gpu, notes };
}

/** tfjs-node's backend has `isUsingGpuDevice: boolean` (set from its native binding at startup). */
function reportsGpu(backend: tf.KernelBackend): boolean {
  const flag = (backend as { isUsingGpuDevice?: unknown }).isUsingGpuDevice;
  return typeof flag === 'function' ? flag.call(backend) === true : flag === true;
}

function versionOf(mod: unknown): string {
  const version = (mod as { version?: Record<string, string> } | undefined)?.version?.['tfjs-node'];
  return typeof version === 'string' ? ` ${version}` : '';
}

/**
 * Module-not-found for the package itself, not for something inside it (a missing native binding
 * is "installed but broken"). Node says `Cannot find package '<pkg>'`; Vite-based runners say
 * `Could not resolve "<pkg>"`.
 */
function isNotInstalled(e: unknown, pkg: string): boolean {
  const message = e instanceof Error ? e.message : String(e);
  const namesPackage = message.includes(`'${pkg}'`) || message.includes(`"${pkg}"`);
  return namesPackage && /cannot find (package|module)|could not resolve|failed to resolve/i.test(message);
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0];
}
