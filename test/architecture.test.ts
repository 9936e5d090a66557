/**
 * The folders of src/ depend on each other one way, down {@link LAYERS}: a folder imports only folders listed before
 * it (so there is no import cycle between folders, and e.g. evaluation never reaches into training). Files directly in src/ (errors.ts, index.ts, version.ts) are left out:
 * every folder uses errors.ts and index.ts re-exports every folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve('src');
const IMPORT = /from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'|^import\s+'(\.[^']+)'/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** folder -> folders its non-test files import from (top-level folders of src/). */
function folderGraph(): Map<string, Set<string>> {
  const folderOf = (file: string) => path.relative(SRC, file).split(path.sep)[0];
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    if (!path.relative(SRC, file).includes(path.sep)) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), m[1] ?? m[2] ?? m[3]);
      const to = folderOf(target);
      if (to !== from && path.relative(SRC, target).includes(path.sep)) (graph.get(from) ?? graph.set(from, new Set()).get(from)!).add(to);
    }
  }
  return graph;
}

/** Every cycle's folders, found by depth-first search from each folder. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const visit = (node: string, trail: string[]) => {
    for (const next of graph.get(node) ?? []) {
      const at = trail.indexOf(next);
      if (at >= 0) found.push([...trail.slice(at), next]);
      else visit(next, [...trail, next]);
    }
  };
  for (const start of graph.keys()) visit(start, [start]);
  return found;
}

/** Lines strictly between the braces of the body of the top-level function `name` in `source` (parsed, not matched). */
function functionBodyLines(source: string, name: string): number {
  const file = ts.createSourceFile('source.ts', source, ts.ScriptTarget.Latest, true);
  const fn = file.statements.find((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === name);
  if (!fn?.body) throw new Error(`no function ${name} with a body`);
  const lineOf = (pos: number) => file.getLineAndCharacterOfPosition(pos).line;
  return Math.max(0, lineOf(fn.body.getEnd()) - lineOf(fn.body.getStart(file)) - 1);
}

/** The folders of src/, lowest first; a new folder takes its place here. */
const LAYERS = ['util', 'backend', 'models', 'data', 'io', 'losses', 'report', 'eval', 'train', 'compress', 'serve', 'web', 'demo', 'cli'];

/** Edges of `graph` that point up {@link LAYERS} (or from or to a folder not in it). */
function upward(graph: Map<string, Set<string>>): string[] {
  return [...graph].flatMap(([from, tos]) =>
    [...tos].filter((to) => !(LAYERS.indexOf(to) >= 0 && LAYERS.indexOf(to) < LAYERS.indexOf(from))).map((to) => `${from} -> ${to}`),
  );
}

/** distill() reads top to bottom as prepare -> loop -> finish; the steps live in their own files. */
const MAX_DISTILL_BODY_LINES = 80;

describe('architecture', () => {
  it('has no import cycle between the folders of src/', () => {
    const graph = folderGraph();
    expect(graph.get('train')?.has('data')).toBe(true); // the graph is read at all
    expect(cycles(graph)).toEqual([]);
  });

  it('imports only down the layers (metrics and teacher loading below training)', () => {
    const graph = folderGraph();
    expect([...graph.keys()].filter((f) => !LAYERS.includes(f))).toEqual([]);
    expect(upward(graph)).toEqual([]);
    expect(upward(new Map([['eval', new Set(['train'])]]))).toEqual(['eval -> train']); // the check can fail
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    expect(
      cycles(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set(['c'])],
          ['c', new Set(['a'])],
        ]),
      ),
    ).not.toEqual([]);
  });

  it(`keeps distill() itself at most ${MAX_DISTILL_BODY_LINES} lines long`, () => {
    const lines = functionBodyLines(readFileSync(path.join(SRC, 'train/distill.ts'), 'utf8'), 'distill');
    expect(lines).toBeGreaterThan(5); // the function is found at all
    expect(lines).toBeLessThanOrEqual(MAX_DISTILL_BODY_LINES);
  });

  it('measures a function body by its parsed braces (the length check can fail)', () => {
    const long = `export async function distill(o: unknown) {\n${'  step();\n'.repeat(81)}}\nfunction other() {}\n`;
    expect(functionBodyLines(long, 'distill')).toBe(81);
    expect(functionBodyLines('function distill() { return 1; }', 'distill')).toBe(0);
  });
});
