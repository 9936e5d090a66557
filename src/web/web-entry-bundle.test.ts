/**
 * `tfdistill/web` in a browser bundle: esbuild (platform browser, nothing marked external) bundles an app that imports
 * it, which fails on any Node built-in a browser cannot resolve; the bundle loads none, every tfdistill source file in
 * it is free of Node imports, and an app importing one function leaves the rest out (tree-shaking).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = path.resolve('src/web/index.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'tfd-web-app-'));

/** Bundles `source` (an app's main module) the way a web app's build would, with `tfdistill/web` resolved to src/. */
async function bundleApp(source: string): Promise<{ text: string; inputs: string[] }> {
  const file = path.join(dir, `app-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, source);
  const result = await esbuild.build({
    entryPoints: [file],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    alias: { 'tfdistill/web': entry },
    nodePaths: [path.resolve('node_modules')],
  });
  return { text: result.outputFiles[0].text, inputs: Object.keys(result.metafile.inputs) };
}

describe('tfdistill/web bundles for the browser', () => {
  it('with esbuild into a file that loads no Node built-in', async () => {
    const { text, inputs } = await bundleApp(
      "import { createPredictor, servePredictor } from 'tfdistill/web';\n" +
        "const p = await createPredictor('./model/');\nconsole.log(await p.predict('hi'), servePredictor);\n",
    );
    // An import of a Node built-in would have failed the build (platform browser, nothing external); none is left as
    // an import or require either. (tfjs-backend-wasm's threaded worker carries Emscripten's Node branch as a string.)
    expect(text).not.toMatch(/\bfrom\s*["']node:|import\(\s*["']node:|require\(\s*["']node:/);
    const ours = inputs.filter((f) => !f.includes('node_modules'));
    expect(ours.length).toBeGreaterThan(20);
    for (const f of ours.filter((f) => f.endsWith('.ts'))) {
      expect(readFileSync(f, 'utf8'), f).not.toMatch(/from '(node:)?(fs|path|os|url|module|worker_threads|v8|crypto)(\/[a-z]+)?'/);
    }
    expect(text).toContain('TfdEmbedding'); // the layers are registered
  });

  it('is tree-shakable: an app that only picks a backend leaves out the layers and the tokenizer', async () => {
    const full = await bundleApp("import { createPredictor } from 'tfdistill/web';\nconsole.log(createPredictor);\n");
    const small = await bundleApp("import { useWebBackend } from 'tfdistill/web';\nconsole.log(await useWebBackend());\n");
    for (const name of ['TfdEmbedding', 'WordPiece']) {
      expect(full.text.includes(name), name).toBe(true);
      expect(small.text.includes(name), name).toBe(false);
    }
    expect(small.text).toContain('TfdLinear'); // the wasm kernels come with the backend
    expect(small.text.length).toBeLessThan(full.text.length);
  });
});
