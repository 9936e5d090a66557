import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * Bytes of a checkpoint's model files (model.json + weight shards), raw and gzip'd: what a browser downloads.
 *
 * @example
 * ```ts
 * const { raw, gzip } = await checkpointSize('run/student'); // bytes
 * ```
 */
export async function checkpointSize(dir: string): Promise<{ raw: number; gzip: number }> {
  let raw = 0, gzip = 0;
  for (const name of await fs.readdir(dir)) {
    if (name !== 'model.json' && !name.endsWith('.bin')) continue;
    const bytes = await fs.readFile(path.join(dir, name));
    raw += bytes.length;
    gzip += gzipSync(bytes).length;
  }
  return { raw, gzip };
}
