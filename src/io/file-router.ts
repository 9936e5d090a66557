import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { assertReplaceable, writeDirAtomic } from './atomic-dir.js';
import { checkModelFiles, MODEL_JSON, modelFilesFromArtifacts, readModelArtifacts } from './model-files.js';
import { DEFAULT_MAX_TOTAL_BYTES } from './validate-manifest.js';

const FILE_SCHEME = 'file://';

/**
 * Options for {@link fileSystemHandler}.
 *
 * @example
 * ```ts
 * await model.save(fileSystemHandler('out/model', { shardBytes: 1 << 20 }));
 * ```
 */
export interface FileHandlerOptions {
  /** Save: maximum bytes per shard (default 4 MiB). */
  shardBytes?: number;
  /** Load: refuse weights needing more bytes (default 2 GiB). */
  maxTotalBytes?: number;
}

/**
 * A TF.js `IOHandler` for a directory on disk, for plain `@tensorflow/tfjs` in Node (tfjs-node has its
 * own). `save` replaces the directory atomically with `model.json` + `group1-shardNofM.bin`; `load`
 * reads `<dir>/model.json` (or the given `.json` file) with the same validation as `loadModel`.
 * Accepts a path or a `file://` URL.
 *
 * @example
 * ```ts
 * await model.save(fileSystemHandler('out/model'));
 * const again = await tf.loadLayersModel(fileSystemHandler('out/model/model.json'));
 * ```
 */
export function fileSystemHandler(pathOrUrl: string, opts: FileHandlerOptions = {}): tf.io.IOHandler {
  const target = pathOrUrl.startsWith(FILE_SCHEME) ? pathOrUrl.slice(FILE_SCHEME.length) : pathOrUrl;
  const isJson = target.endsWith('.json');
  const dir = isJson ? path.dirname(target) : target;
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (isJson && path.basename(target) !== MODEL_JSON) {
        throw new Error(`file:// save needs a directory or <dir>/model.json, got ${target}`);
      }
      await assertReplaceable(dir, MODEL_JSON);
      const files = modelFilesFromArtifacts(artifacts, { shardBytes: opts.shardBytes });
      await writeDirAtomic({ dir, files });
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: artifacts.weightData == null ? 0 : new tf.io.CompositeArrayBuffer(artifacts.weightData).byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const checked = await checkModelFiles({
        root: dir,
        modelJson: isJson ? path.basename(target) : MODEL_JSON,
        maxBytes: opts.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES,
      });
      return readModelArtifacts(checked);
    },
  };
}

let registered = false;

/**
 * Makes `model.save('file://dir')` and `tf.loadLayersModel('file://dir/model.json')` work with plain
 * `@tensorflow/tfjs` in Node. Idempotent; does nothing (returns false) when the active backend is
 * 'tensorflow', because tfjs-node registers its own `file://` handler and two matching routers make
 * tfjs refuse the URL.
 *
 * @example
 * ```ts
 * registerFileRouter();
 * await model.save('file://runs/plain');
 * const again = await tf.loadLayersModel('file://runs/plain/model.json');
 * ```
 */
export function registerFileRouter(): boolean {
  if (tf.getBackend() === 'tensorflow') return false;
  if (registered) return true;
  // tfjs routers return null for URLs they do not handle; its IORouter type omits the null.
  const router = (url: string | string[]) =>
    (typeof url === 'string' && url.startsWith(FILE_SCHEME) ? fileSystemHandler(url) : null) as tf.io.IOHandler;
  tf.io.registerSaveRouter(router);
  tf.io.registerLoadRouter(router);
  registered = true;
  return true;
}
