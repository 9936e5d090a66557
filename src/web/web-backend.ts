/**
 * Backend choice in a browser: the fastest TF.js backend that starts (WebGPU, WebGL, wasm, cpu), with tfdistill's
 * SIMD kernels registered on wasm as in Node. Browser-safe: no Node built-ins. A page loads the backends it offers
 * (`tf.min.js` has cpu and WebGL; `tf-backend-wasm.min.js` and `tf-backend-webgpu.min.js` add the others, as does
 * importing `@tensorflow/tfjs-backend-wasm` / `-webgpu` in an app); a backend the page did not load is skipped.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../backend/wasm-kernels/register.js';
import { isShared, memoryOf, prepareSimdKernels, relaxedSimdAvailable } from '../backend/wasm-kernels/simd/instance.js';
import { HELPER_LOOP, startMatMulHelper, type SpawnHelper } from '../backend/wasm-kernels/simd/matmul-threads.js';
import { simdSwitches } from '../backend/wasm-kernels/simd/switches.js';
import { TfdistillError } from '../errors.js';

/** The backends a page can run on, fastest first. */
export const WEB_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

/**
 * What {@link useWebBackend} tries by default: {@link WEB_BACKENDS} but WebGPU, which must be asked for by name.
 * TF.js 4.22's WebGPU backend computes tfdistill's encoders wrongly in Chrome 141 and later: its transpose shader fails
 * WGSL validation (tensorflow/tfjs#8638), so embeddings differ by 0.04 and labels flip; a slower right answer beats a
 * fast wrong one.
 */
const DEFAULT_ORDER: readonly WebBackendName[] = WEB_BACKENDS.filter((name) => name !== 'webgpu');

/** A TF.js backend a page can run on. @example `await useWebBackend({ backends: ['wasm' satisfies WebBackendName] });` */
export type WebBackendName = (typeof WEB_BACKENDS)[number];

/**
 * Options for {@link useWebBackend}.
 *
 * @example
 * ```ts
 * await useWebBackend({ backends: ['wasm', 'cpu'], wasmPaths: '/static/tfjs/' });
 * ```
 */
export interface WebBackendOptions {
  /** Backends to try, in order (default: WebGL, wasm, cpu; WebGPU only when named, see {@link WEB_BACKENDS}). */
  backends?: readonly WebBackendName[];
  /**
   * URL folder (ending in `/`, relative to the page) of tfjs-backend-wasm's `.wasm` binaries (default: the page's
   * folder; `export-web` writes them beside the model). Read once, at the wasm backend's first start.
   */
  wasmPaths?: string;
  /** Register tfdistill's SIMD kernels on wasm (default true); false measures stock tfjs-backend-wasm. */
  kernels?: boolean;
  /**
   * wasm in a cross-origin isolated page (the threaded build): threads of the XNNPACK pool, the calling thread
   * included (default: half the logical cores, tfjs-backend-wasm's choice). Read once, at the backend's first start.
   */
  wasmThreads?: number;
}

/**
 * The backend {@link useWebBackend} started, and how.
 *
 * @example
 * ```ts
 * const info = await useWebBackend();
 * console.log(`${info.name}${info.kernels ? ' + tfdistill kernels' : ''}`);
 * ```
 */
export interface WebBackendInfo {
  name: WebBackendName;
  /** wasm: whether tfdistill's kernels are registered. */
  kernels: boolean;
  /** wasm: threads of the XNNPACK pool (more than 1 only in a cross-origin isolated page). */
  wasmThreads?: number;
  /**
   * wasm: whether the threaded build runs (a cross-origin isolated page); with kernels on more than one core, big
   * matmuls of tfdistill's kernel are then split over a second thread.
   */
  wasmThreadedBuild?: boolean;
  /** wasm with kernels: whether matmuls use relaxed SIMD's fused multiply-add. */
  wasmFma?: boolean;
  /** webgl, webgpu: the GPU (or software renderer) the browser reports. */
  renderer?: string;
  /** Why earlier backends were skipped. */
  notes: string[];
}

/**
 * Starts the first backend that works here, in `backends` order (default WebGL, wasm, cpu), and on wasm registers
 * tfdistill's kernels. WebGPU or WebGL that renders in software (no GPU: SwiftShader, llvmpipe) is passed over for a later backend. Throws
 * `BACKEND_UNAVAILABLE` when none starts, naming why each failed.
 *
 * @example
 * ```ts
 * import { useWebBackend } from 'tfdistill/web';
 * const { name } = await useWebBackend(); // 'webgl' on most laptops, 'wasm' without a GPU
 * ```
 */
export async function useWebBackend(options: WebBackendOptions = {}): Promise<WebBackendInfo> {
  const order = options.backends ?? DEFAULT_ORDER;
  for (const name of order) {
    if (!(WEB_BACKENDS as readonly string[]).includes(name)) {
      throw new TfdistillError('INVALID_ARGUMENT', `unknown backend '${name}'`, `use one of ${WEB_BACKENDS.join(', ')}`);
    }
  }
  // Relative to the page (or the worker's script); tfjs would resolve a relative prefix against its own script.
  if (typeof setWasmPaths === 'function') setWasmPaths(new URL(options.wasmPaths ?? './', globalThis.location?.href).href);
  if (options.wasmThreads !== undefined && typeof setThreadsCount === 'function') setThreadsCount(options.wasmThreads);
  const notes: string[] = [];
  for (const name of order) {
    if (!tf.engine().registryFactory[name]) {
      notes.push(`${name}: not loaded by this page, or not supported by this browser`);
      continue;
    }
    try {
      if (!(await tf.setBackend(name))) throw new Error('did not start');
      await tf.ready();
    } catch (e) {
      notes.push(`${name}: ${(e as Error).message ?? e}`);
      continue;
    }
    if (name === 'wasm') {
      const info = await startWasmKernels(options.kernels ?? true);
      return { ...info, notes: [...notes, ...info.notes] };
    }
    const renderer = name === 'webgl' ? webglRenderer() : name === 'webgpu' ? webgpuAdapter() : undefined;
    if (renderer !== undefined && SOFTWARE_RENDERER.test(renderer) && name !== order.at(-1)) {
      notes.push(`${name}: skipped, it renders in software (${renderer}), slower than wasm`);
      continue;
    }
    return { name, kernels: false, ...(renderer === undefined ? {} : { renderer }), notes };
  }
  throw new TfdistillError('BACKEND_UNAVAILABLE', `no TF.js backend of ${order.join(', ')} starts in this browser: ${notes.join('; ')}`);
}

/** Registers tfdistill's kernels on the running wasm backend (compiled asynchronously, as a main thread must). */
async function startWasmKernels(kernels: boolean): Promise<WebBackendInfo> {
  const threads = getThreadsCount();
  const backend = tf.backend() as BackendWasm;
  if (!kernels) return { name: 'wasm', kernels: false, wasmThreads: threads, wasmThreadedBuild: isShared(memoryOf(backend)), notes: [] };
  simdSwitches.fma = relaxedSimdAvailable();
  await prepareSimdKernels(backend, simdSwitches.fma);
  registerWasmKernels();
  const shared = isShared(memoryOf(backend)); // the threaded build: a cross-origin isolated page
  const helper = shared && (globalThis.navigator?.hardwareConcurrency ?? 1) > 1 && (await startMatMulHelper(backend, spawnWebHelper));
  return {
    name: 'wasm',
    kernels: true,
    wasmThreads: threads,
    wasmThreadedBuild: shared,
    wasmFma: simdSwitches.fma,
    notes: helper ? ['wasm: the SIMD matmul kernel splits big matmuls over a second thread (shared memory)'] : [],
  };
}

/** The matmul helper as a Web Worker (threaded wasm build, i.e. a cross-origin isolated page). */
const spawnWebHelper: SpawnHelper = (data) => {
  const url = URL.createObjectURL(
    new Blob([`self.onmessage = ({ data: { memory, bytes, control } }) => {\n${HELPER_LOOP}\n};`], { type: 'text/javascript' }),
  );
  new Worker(url).postMessage(data);
};

/** The WebGPU adapter's vendor and architecture (e.g. `google swiftshader`), where the browser tells them. */
function webgpuAdapter(): string | undefined {
  const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  const name = [info?.vendor, info?.architecture].filter(Boolean).join(' ');
  return name === '' ? undefined : name;
}

/** GPU renderers that run on the CPU (Chrome's SwiftShader, Mesa's llvmpipe): wasm beats them. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software/i;

/** What WebGL says it renders with (its unmasked renderer string where the browser tells it). */
function webglRenderer(): string | undefined {
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
  if (!gl) return undefined;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}
