/**
 * Builds the browser script of an exported student: `browser-entry.ts` plus tfdistill's layers, wasm kernels and the
 * pure-JS tokenizer, as one ESM file. TF.js itself is not bundled: the page loads the stock `tf.min.js` and backend
 * scripts, and every import of `@tensorflow/tfjs` (and `-backend-wasm`) in our code is mapped to that global `tf`
 * (`tf.wasm`), so the layers and kernels register with the very TF.js instance that loads the model.
 *
 * `exportWeb` uses a prebuilt `tfdistill-web.js` next to this module when present (written by
 * `npx tsx src/web/build-bundle.ts dist/web/tfdistill-web.js` at package build time), else builds with esbuild.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TfdistillError } from '../errors.js';

/** File name of the page script inside an exported folder. */
export const WEB_BUNDLE = 'tfdistill-web.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The page script's source text: the prebuilt bundle if this installation ships one, else a fresh esbuild build.
 * Throws `BACKEND_UNAVAILABLE` when neither is available.
 *
 * @example
 * ```ts
 * await writeFile('web/tfdistill-web.js', await webBundle());
 * ```
 */
export async function webBundle(): Promise<string> {
  const prebuilt = path.join(here, WEB_BUNDLE);
  if (existsSync(prebuilt)) return (await import('node:fs/promises')).readFile(prebuilt, 'utf8');
  return buildWebBundle();
}

/**
 * Bundles the page script (or another page's `entry`, e.g. the web benchmark's) with esbuild: minified ESM,
 * `@tensorflow/tfjs` -> global `tf`, `-backend-wasm` -> `tf.wasm`.
 *
 * @example
 * ```ts
 * const js = await buildWebBundle();
 * ```
 */
export async function buildWebBundle(
  entry = ['browser-entry.ts', 'browser-entry.js'].map((f) => path.join(here, f)).find((f) => existsSync(f)),
): Promise<string> {
  if (!entry) throw new TfdistillError('IO_ERROR', `browser-entry source not found next to ${here}`);
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (e) {
    throw new TfdistillError(
      'BACKEND_UNAVAILABLE',
      `cannot bundle the browser script: esbuild is not installed (${(e as Error).message})`,
      'install esbuild (npm i -D esbuild) or use a tfdistill build that ships dist/web/tfdistill-web.js',
    );
  }
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
    plugins: [
      {
        name: 'tfjs-global',
        setup(build) {
          // `tf.min.js` defines the global `tf`; `tf-backend-wasm.min.js` adds `tf.wasm` (absent if the page lacks it).
          const globals: Record<string, string> = {
            '@tensorflow/tfjs': 'globalThis.tf',
            '@tensorflow/tfjs-backend-wasm': '(globalThis.tf.wasm || {})',
          };
          build.onResolve({ filter: /^@tensorflow\/tfjs(-backend-wasm)?$/ }, (args) => ({ path: args.path, namespace: 'tfjs-global' }));
          build.onLoad({ filter: /.*/, namespace: 'tfjs-global' }, (args) => ({
            contents: `module.exports = ${globals[args.path]};`,
            loader: 'js',
          }));
        },
      },
    ],
  });
  return result.outputFiles[0].text;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? path.join('dist', 'web', WEB_BUNDLE);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, await buildWebBundle());
  console.log(`wrote ${out}`);
}
