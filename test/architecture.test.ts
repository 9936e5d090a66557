/**
 * The folders of src/ depend on each other one way (data -> models -> losses -> train -> compress/eval -> serve/web ->
 * cli): no import cycle between folders. Files directly in src/ (errors.ts, index.ts, version.ts) are left out:
 * every folder uses errors.ts and index.ts re-exports every folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
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

describe('architecture', () => {
  it('has no import cycle between the folders of src/', () => {
    const graph = folderGraph();
    expect(graph.get('train')?.has('data')).toBe(true); // the graph is read at all
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    expect(cycles(new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])]]))).not.toEqual([]);
  });
});
