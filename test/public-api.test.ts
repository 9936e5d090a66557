/**
 * The public surface. `tfdistill` (src/index.ts) lists by name what a user calls, at most 150 names counting types;
 * `tfdistill/advanced` (src/advanced.ts) lists the building blocks; no name is in both, neither uses `export *`.
 * `tfdistill/web` (src/web/index.ts) is the browser entry (its own names, some shared with `tfdistill`).
 * Every TSDoc `@example` in src/ and every TypeScript block of the README imports only from those entries (or a
 * package the user has installed anyway), only names the entry exports, and shows a call rather than a literal.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import * as advanced from '../src/advanced.js';
import * as main from '../src/index.js';
import { docExamples, importProblems, onlyBuildsLiteral, type ImportRules } from './doc-examples.js';

const MAX_MAIN_NAMES = 150;
const entryFiles = {
  tfdistill: path.resolve('src/index.ts'),
  'tfdistill/advanced': path.resolve('src/advanced.ts'),
  'tfdistill/web': path.resolve('src/web/index.ts'),
};

/** Names a module exports, split into values and types, resolved by the TypeScript compiler. */
interface Exported {
  values: string[];
  types: string[];
  all: Set<string>;
}

function exportsOf(program: ts.Program, file: string): Exported {
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(file)!); // undefined: a script without exports
  const values: string[] = [];
  const types: string[] = [];
  for (const symbol of module ? checker.getExportsOfModule(module) : []) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    (target.flags & ts.SymbolFlags.Value ? values : types).push(symbol.name);
  }
  return { values: values.sort(), types: types.sort(), all: new Set([...values, ...types]) };
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as Record<string, Record<string, string>>;
const installed = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)]);
const packages = (s: string) => s.startsWith('node:') || builtinModules.includes(s) || installed.has(s);

let entry: Record<keyof typeof entryFiles, Exported>;
let rules: ImportRules;
/** Every name some module of src/ exports (tests left out). */
let srcNames: Set<string>;
/** Every name src/train/distill-options.ts exports: distill's options, result and their parts. */
let distillOptionNames: string[];

beforeAll(() => {
  const files = sourceFiles(path.resolve('src')).filter((f) => !f.endsWith('.test.ts'));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  });
  entry = {
    tfdistill: exportsOf(program, entryFiles.tfdistill),
    'tfdistill/advanced': exportsOf(program, entryFiles['tfdistill/advanced']),
    'tfdistill/web': exportsOf(program, entryFiles['tfdistill/web']),
  };
  rules = { entries: new Map(Object.entries(entry).map(([k, v]) => [k, v.all])), packages };
  srcNames = new Set(files.flatMap((f) => [...exportsOf(program, f).all]));
  distillOptionNames = [...exportsOf(program, path.resolve('src/train/distill-options.ts')).all];
});

describe('the two entries', () => {
  it(`'tfdistill' exports at most ${MAX_MAIN_NAMES} names, types included`, () => {
    const { values, types } = entry.tfdistill;
    expect(values.length).toBeGreaterThan(40);
    expect(values.length + types.length).toBeLessThanOrEqual(MAX_MAIN_NAMES);
    // The compiler's value names are the module's runtime exports.
    expect(Object.keys(main).sort()).toEqual(values);
  });

  it("'tfdistill' exports every part of distill's options and result by name", () => {
    expect(distillOptionNames).toContain('DistillOptions');
    expect(distillOptionNames.filter((name) => !entry.tfdistill.all.has(name))).toEqual([]);
  });

  it("'tfdistill/advanced' exports the building blocks, none of them also in 'tfdistill'", () => {
    const { values, all } = entry['tfdistill/advanced'];
    expect(Object.keys(advanced).sort()).toEqual(values);
    for (const name of ['AdamW', 'trainStep', 'softTargetKL', 'registerWasmKernels', 'CHECKPOINT_FORMAT', 'TfdEncoderBlock']) {
      expect(all.has(name), name).toBe(true);
    }
    expect([...all].filter((name) => entry.tfdistill.all.has(name))).toEqual([]);
  });

  it('leaves internals out of both', () => {
    for (const name of ['formatTable', 'TFJS_QUANTIZATION_NOTE', 'INT8_SIMULATION_NOTE', 'prunableWeights', 'requireLabelValues']) {
      expect(entry.tfdistill.all.has(name) || entry['tfdistill/advanced'].all.has(name), name).toBe(false);
    }
  });

  it('list every export by name (no export *)', () => {
    for (const file of Object.values(entryFiles)) {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const star = source.statements.filter((s) => ts.isExportDeclaration(s) && (!s.exportClause || ts.isNamespaceExport(s.exportClause)));
      expect(
        star.map((s) => s.getText()),
        file,
      ).toEqual([]);
    }
  });

  it('register the layers for TF.js serialization', () => {
    const registered = tf.serialization.SerializationMap.getMap().classNameMap;
    expect(Object.keys(registered)).toEqual(expect.arrayContaining(['TfdEncoderBlock', 'TfdPrunedEncoderBlock', 'tfdistill.AdamW']));
  });
});

describe('examples a user copies', () => {
  it('every @example in src/ imports only names an entry exports, and shows a call', () => {
    const problems = sourceFiles(path.resolve('src')).flatMap((file) =>
      docExamples(path.relative('.', file), readFileSync(file, 'utf8'))
        .filter((e) => e.lang === 'ts')
        .flatMap((e) =>
          [
            ...importProblems(e.code, rules),
            ...(onlyBuildsLiteral(e.code) ? ['only builds a literal; show a call that uses it (or no example)'] : []),
          ].map((p) => `${e.file}:${e.line}: ${p}`),
        ),
    );
    expect(problems).toEqual([]);
  });

  it("the README's TypeScript imports from the entries, and every library name it mentions is exported", () => {
    const readme = readFileSync('README.md', 'utf8').split(/^## Contributing/m)[0];
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.flatMap((code) => importProblems(code, rules))).toEqual([]);
    // A name in backticks that some module of src/ exports must be reachable from an entry.
    const mentioned = [...readme.matchAll(/`([A-Za-z_$][\w$]*)/g)].map((m) => m[1]).filter((n) => srcNames.has(n));
    expect(mentioned.length).toBeGreaterThan(10);
    expect(mentioned.filter((n) => !Object.values(entry).some((e) => e.all.has(n)))).toEqual([]);
  });

  it('the checks can fail', () => {
    const bad = [
      "import { loadModel } from './io/index.js';",
      "import { formatTable } from 'tfdistill';",
      "import { AdamW } from 'tfdistill';",
      "import { distill } from 'tfdistill/advanced';",
    ];
    for (const code of bad) expect(importProblems(code, rules), code).toHaveLength(1);
    expect(importProblems("import { distill } from 'tfdistill';\nimport * as tf from '@tensorflow/tfjs';", rules)).toEqual([]);
    expect(onlyBuildsLiteral("const decay: LrDecay = 'cosine';")).toBe(true);
    expect(onlyBuildsLiteral('const options: PredictorOptions = { maxBatchSize: 32, maxWaitMs: 5 };')).toBe(true);
    expect(onlyBuildsLiteral("const p = await createPredictor('run/', { maxBatchSize: 32 });")).toBe(false);
    const [block] = docExamples('x.ts', '/**\n * Adds.\n *\n * @example\n * ```ts\n * add(1, 2); // 3\n * ```\n */');
    expect(block).toMatchObject({ line: 4, lang: 'ts', code: 'add(1, 2); // 3\n' });
  });
});
