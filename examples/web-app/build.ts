/**
 * Builds the web app of this folder with esbuild: `main.ts` and `predict-worker.ts` bundled with TF.js and
 * `tfdistill/web` into `<out>/`, beside `index.html` and a copy of an exported model folder in `<out>/model/`.
 *
 * Run: `npx tfdistill export-web runs/demo/student web-model/ && npx tsx examples/web-app/build.ts web-model/ app/`,
 * then serve `app/` with any static server (`npx http-server app/`). In your project, `tfdistill/web` resolves to the
 * installed package; here esbuild's `alias` points it at this checkout's source.
 */
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Bundles the app into `outDir` and copies `modelDir` (a folder `tfdistill export-web` wrote) to `outDir/model`.
 *
 * @example
 * ```ts
 * await buildWebApp('web-model/', 'app/');
 * ```
 */
export async function buildWebApp(modelDir: string, outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(here, 'main.ts'), path.join(here, 'predict-worker.ts')],
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    logLevel: 'warning',
    alias: { 'tfdistill/web': path.join(here, '..', '..', 'src', 'web', 'index.ts') },
  });
  await cp(path.join(here, 'index.html'), path.join(outDir, 'index.html'));
  await cp(modelDir, path.join(outDir, 'model'), { recursive: true });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [modelDir, outDir] = process.argv.slice(2);
  if (!modelDir || !outDir) {
    console.error('usage: npx tsx examples/web-app/build.ts <export-web folder> <out folder>');
    process.exit(2);
  }
  await buildWebApp(modelDir, outDir);
  console.log(`wrote ${outDir}: serve it with any static server and open index.html`);
}
