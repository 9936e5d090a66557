/**
 * Starting a worker thread on a module that sits next to the caller, from the compiled `.js` or from the `.ts` sources.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TfdistillError } from '../errors.js';

/**
 * How to start the worker module `name` (without extension) in the folder of `callerUrl` (`import.meta.url`): the
 * compiled `.js` directly; the `.ts` source (tests, `tsx` scripts) through a bootstrap that registers tsx's loader in
 * the worker first (`--import` alone does not reach a worker's entry module on Node 20).
 *
 * @example
 * ```ts
 * const entry = workerEntry(import.meta.url, 'replica-worker');
 * const worker = new Worker(entry.source, { eval: entry.eval });
 * ```
 */
export function workerEntry(callerUrl: string, name: string): { source: URL | string; eval: boolean } {
  const here = fileURLToPath(callerUrl);
  const ext = path.extname(here);
  const file = pathToFileURL(path.join(path.dirname(here), `${name}${ext}`));
  if (ext !== '.ts') return { source: file, eval: false };
  const api = path.join(path.dirname(createRequire(callerUrl).resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs');
  if (!existsSync(api))
    throw new TfdistillError('BACKEND_UNAVAILABLE', 'running tfdistill from its TypeScript sources needs tsx for worker threads');
  const bootstrap = `import(${JSON.stringify(pathToFileURL(api).href)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); });`;
  return { source: bootstrap, eval: true };
}
