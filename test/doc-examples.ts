/**
 * Reads the TSDoc `@example` blocks of a source file and judges them as a user would copy them: imports only from
 * the package's entries (or a package the user has anyway), only names an entry exports, and a call to look at.
 */
import ts from 'typescript';

/** One `@example` block: its code and where it starts. */
export interface DocExample {
  file: string;
  /** 1-based line of the `@example` tag. */
  line: number;
  /** `ts` for a fenced TypeScript block or an inline `` `code` ``; the fence's language otherwise (`sh`). */
  lang: string;
  code: string;
}

/** Every `@example` block of `text` (fenced, or inline in single backticks). */
export function docExamples(file: string, text: string): DocExample[] {
  const found: DocExample[] = [];
  for (const doc of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const lines = doc[0]
      .replace(/^\/\*\*/, '')
      .replace(/\*\/$/, '')
      .split('\n')
      .map((l) => l.replace(/^\s*\* ?/, ''));
    const docLine = text.slice(0, doc.index).split('\n').length;
    lines.forEach((l, i) => {
      const tag = l.indexOf('@example');
      if (tag < 0) return;
      // The block runs to the next tag at the start of a line, or the end of the comment.
      const rest = [l.slice(tag + '@example'.length), ...lines.slice(i + 1)];
      const end = rest.findIndex((r, j) => j > 0 && /^@\w/.test(r));
      const body = rest.slice(0, end < 0 ? undefined : end).join('\n');
      const fenced = body.match(/```(\w*)\n([\s\S]*?)```/);
      const inline = body.match(/`([^`]+)`/);
      const [lang, code] = fenced ? [fenced[1] || 'ts', fenced[2]] : ['ts', inline ? inline[1] : body];
      found.push({ file, line: docLine + i, lang: lang === 'typescript' ? 'ts' : lang, code });
    });
  }
  return found;
}

/** What an example may import: the entries with the names each exports, and packages a user has installed anyway. */
export interface ImportRules {
  entries: ReadonlyMap<string, ReadonlySet<string>>;
  /** Bare package names (dependencies, peers) and `node:` builtins a user may import beside the entries. */
  packages: (specifier: string) => boolean;
}

/** The problems of one example's imports (empty: none). */
export function importProblems(code: string, rules: ImportRules): string[] {
  const source = ts.createSourceFile('example.ts', code, ts.ScriptTarget.Latest, true);
  const problems: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const from = node.moduleSpecifier.text;
      const exported = rules.entries.get(from);
      if (!exported) {
        if (!rules.packages(from)) problems.push(`imports '${from}', which a user cannot import (use 'tfdistill' or 'tfdistill/advanced')`);
      } else {
        const bindings = node.importClause?.namedBindings;
        if (node.importClause?.name) problems.push(`default import from '${from}', which has none`);
        for (const el of bindings && ts.isNamedImports(bindings) ? bindings.elements : []) {
          const name = (el.propertyName ?? el.name).text;
          if (!exported.has(name)) problems.push(`imports ${name} from '${from}', which does not export it`);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return problems;
}

/**
 * True when the example only writes down a value (`const decay: LrDecay = 'cosine';`, an options object) and calls
 * nothing: every statement declares constants initialised with literals, and there is no call, `new` or `await`.
 */
export function onlyBuildsLiteral(code: string): boolean {
  const source = ts.createSourceFile('example.ts', code, ts.ScriptTarget.Latest, true);
  let acts = false;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node) || ts.isAwaitExpression(node) || ts.isTaggedTemplateExpression(node))
      acts = true;
    ts.forEachChild(node, visit);
  };
  visit(source);
  const literal = (e: ts.Expression | undefined): boolean => {
    if (!e) return false;
    if (ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isParenthesizedExpression(e)) return literal(e.expression);
    return (
      ts.isObjectLiteralExpression(e) ||
      ts.isArrayLiteralExpression(e) ||
      ts.isStringLiteral(e) ||
      ts.isNumericLiteral(e) ||
      ts.isNoSubstitutionTemplateLiteral(e) ||
      ts.isPrefixUnaryExpression(e) ||
      e.kind === ts.SyntaxKind.TrueKeyword ||
      e.kind === ts.SyntaxKind.FalseKeyword
    );
  };
  const statements = source.statements;
  return (
    !acts &&
    statements.length > 0 &&
    statements.every((s) => ts.isVariableStatement(s) && s.declarationList.declarations.every((d) => literal(d.initializer)))
  );
}
