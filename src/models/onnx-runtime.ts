/**
 * The part of `onnxruntime-node` tfdistill uses, loaded on demand: it is an optional peer dependency (a native
 * package, ~50 MB), so `import 'tfdistill'` never needs it and an ONNX teacher without it is a clear
 * `BACKEND_UNAVAILABLE` with the install command.
 *
 * Why the small interface: `onnxruntime-node`'s own types exist only where it is installed, and tfdistill's
 * published `.d.ts` files must not depend on an optional package.
 */
import { TfdistillError } from '../errors.js';

/** An ONNX Runtime tensor (subset). `int64` data is a `BigInt64Array`. */
export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
  dispose?(): void;
}

/** Metadata of one graph input or output (`isTensor: false` for sequences and maps). */
export interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string>;
}

/** A loaded model (subset of `InferenceSession`). */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadata[];
  readonly outputMetadata?: readonly OrtValueMetadata[];
  run(feeds: Record<string, OrtTensor>, fetches?: readonly string[]): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/** The module (subset). */
export interface OrtModule {
  InferenceSession: {
    create(
      pathOrBytes: string | Uint8Array,
      options?: {
        intraOpNumThreads?: number;
        interOpNumThreads?: number;
        graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
        executionProviders?: string[];
        extra?: Record<string, unknown>;
      },
    ): Promise<OrtSession>;
  };
  Tensor: new (type: string, data: BigInt64Array | Int32Array | Float32Array, dims: readonly number[]) => OrtTensor;
}

/**
 * The command that installs ONNX Runtime for Node without its postinstall download (which fetches GPU parts from
 * outside the npm registry; the CPU binaries ship inside the package).
 *
 * @example
 * ```ts
 * console.error(`run: ${ORT_INSTALL_COMMAND}`);
 * ```
 */
export const ORT_INSTALL_COMMAND = 'npm install onnxruntime-node --onnxruntime-node-install=skip';

let cached: Promise<OrtModule> | undefined;

/**
 * Loads `onnxruntime-node`, once per process. `importer` exists for tests (it replaces the dynamic import).
 * Throws `BACKEND_UNAVAILABLE` with the install command when the package is missing or its native binding fails.
 *
 * @example
 * ```ts
 * const ort = await loadOnnxRuntime();
 * const session = await ort.InferenceSession.create('teacher/model.onnx');
 * ```
 */
export function loadOnnxRuntime(importer?: () => Promise<unknown>): Promise<OrtModule> {
  if (importer) return load(importer);
  cached ??= load(() => import('onnxruntime-node')).catch((e: unknown) => {
    cached = undefined; // an install while the process runs can still succeed later
    throw e;
  });
  return cached;
}

async function load(importer: () => Promise<unknown>): Promise<OrtModule> {
  let mod: unknown;
  try {
    mod = await importer();
  } catch (e) {
    const missing = (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(String(e));
    throw new TfdistillError(
      'BACKEND_UNAVAILABLE',
      missing
        ? 'ONNX teachers need onnxruntime-node, which is not installed'
        : `onnxruntime-node is installed but does not load: ${(e as Error).message}`,
      `install it: ${ORT_INSTALL_COMMAND}`,
    );
  }
  const ort = ((mod as { default?: unknown }).default ?? mod) as Partial<OrtModule>;
  if (typeof ort.InferenceSession?.create !== 'function' || typeof ort.Tensor !== 'function') {
    throw new TfdistillError(
      'BACKEND_UNAVAILABLE',
      'onnxruntime-node loaded but has no InferenceSession/Tensor',
      `reinstall it: ${ORT_INSTALL_COMMAND}`,
    );
  }
  return ort as OrtModule;
}
