/**
 * The package as another project sees it: a fresh compile of src (what `npm run build` ships in dist/) installed as
 * `node_modules/tfdistill` with this package.json, so `'tfdistill'`, `'tfdistill/advanced'` and `'tfdistill/web'`
 * resolve through the `exports` map, in plain node (the `import` condition) and in tsc (the `types` condition); paths
 * the map does not list are refused.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
// Inside the repository, so the compiled files resolve @tensorflow/* from its node_modules.
const app = path.join(root, '.tmp', `package-exports-${process.pid}`);
const pkg = path.join(app, 'node_modules', 'tfdistill');
afterAll(() => rm(app, { recursive: true, force: true }));

const importScript = `
  const main = await import('tfdistill');
  const advanced = await import('tfdistill/advanced');
  const web = await import('tfdistill/web');
  let deep = 'allowed';
  try { await import('tfdistill/dist/train/adamw.js'); } catch (e) { deep = e.code; }
  console.log(JSON.stringify({
    main: Object.keys(main).length, advanced: Object.keys(advanced).length, distill: typeof main.distill,
    AdamW: typeof advanced.AdamW, resolved: import.meta.resolve('tfdistill/advanced'), deep,
    webPredictor: typeof web.createPredictor, webResolved: import.meta.resolve('tfdistill/web'),
  }));
`;

const typesCheck = `
  import { distill, type DistillOptions } from 'tfdistill';
  import { AdamW, type AdamWOptions } from 'tfdistill/advanced';
  import { createPredictor, type WebPredictorOptions } from 'tfdistill/web';
  const options: AdamWOptions = { learningRate: 1e-3 };
  export const start = (opts: DistillOptions) => [distill(opts), new AdamW(options)];
  const webOptions: WebPredictorOptions = { maxBatchSize: 8 };
  export const serve = () => createPredictor('/models/spam/', webOptions).then((p) => p.predict('hi'));
`;

describe("the package's exports map", () => {
  it("resolves 'tfdistill', 'tfdistill/advanced' and 'tfdistill/web' to the compiled entries and their types", async () => {
    await mkdir(pkg, { recursive: true });
    await run(
      process.execPath,
      [
        tsc,
        '-p',
        path.join(root, 'tsconfig.build.json'),
        '--outDir',
        path.join(pkg, 'dist'),
        '--sourceMap',
        'false',
        '--inlineSources',
        'false',
      ],
      { cwd: root },
    );
    await copyFile(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
    await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await writeFile(path.join(app, 'check.mjs'), importScript);
    await writeFile(path.join(app, 'check.ts'), typesCheck);
    await writeFile(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          lib: ['ES2022', 'DOM'], // a web app's
          types: [],
        },
        files: ['check.ts'],
      }),
    );

    const { stdout } = await run(process.execPath, [path.join(app, 'check.mjs')], { cwd: app });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(out).toMatchObject({ distill: 'function', AdamW: 'function', webPredictor: 'function', deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
    expect(out.webResolved).toBe(new URL('dist/web/index.js', `file://${pkg}/`).href);
    expect(out.resolved).toBe(new URL('dist/advanced.js', `file://${pkg}/`).href);
    expect(out.main).toBeGreaterThan(40);
    expect(out.advanced).toBeGreaterThan(40);

    // tsc finds the declarations through the `types` conditions (it exits non-zero on any error).
    await run(process.execPath, [tsc, '-p', app], { cwd: app });
  });
});
