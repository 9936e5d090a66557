import fs from 'node:fs/promises';
import path from 'node:path';
import { downloadSize } from '../compress/size.js';

/**
 * Bytes of a checkpoint's model files (model.json + weight shards), raw and gzip'd: what a browser downloads.
 *
 * @example
 * ```ts
 * const { raw, gzip } = await checkpointSize('run/student'); // bytes
 * ```
 */
export async function checkpointSize(dir: string): Promise<{ raw: number; gzip: number }> {
  const names = (await fs.readdir(dir)).filter((name) => name === 'model.json' || name.endsWith('.bin'));
  return downloadSize(await Promise.all(names.map((name) => fs.readFile(path.join(dir, name)))));
}
