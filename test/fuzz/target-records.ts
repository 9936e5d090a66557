/**
 * Fuzz target: CSV and JSONL data files through `loadRecords` (random bytes, huge fields, wrong column counts, BOMs,
 * CRLF, quotes, logit columns holding NaN/Inf, gzip suffix on text, invalid UTF-8, options that name missing columns).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadRecords, type ReadRecordsOptions } from '../../src/data/readers/read-records.js';
import type { Rng } from '../../src/util/rng.js';
import { chance, mutateBytes, nastyString, pick, randomBytes } from './random.js';
import type { FuzzTarget } from './target.js';

interface RecordsCase {
  file: string;
  bytes: Uint8Array;
  options: ReadRecordsOptions;
}

const HEADERS = [
  ['text', 'label'],
  ['text', 'label', 'logit_0', 'logit_1'],
  ['text', 'label', 'logits'],
  ['label', 'text'],
  ['text'],
  ['text', 'label', 'text'],
  ['id', 'text', 'label', 'logit_0', 'logit_2'],
];

function csvField(rng: Rng, column: string, hugeFieldBytes: number): string {
  let v: string;
  if (chance(rng, 0.01)) v = 'x'.repeat(hugeFieldBytes);
  else if (column === 'label') v = pick(rng, ['ham', 'spam', '0', '1', '', ' ', '2.5', '-1', nastyString(rng, 6)]);
  else if (column.startsWith('logit_')) v = pick(rng, ['0.5', '-1.25', 'NaN', 'Infinity', '-Infinity', '1e309', '', 'abc', '3']);
  else if (column === 'logits') v = pick(rng, ['[1, 2]', '[NaN]', '[]', '[1e999, 0]', '{"a":1}', '[1, "2"]', '[0.1, 0.9]']);
  else v = chance(rng, 0.5) ? 'win a free prize now' : nastyString(rng, 40);
  if (v.includes('"') || v.includes(',') || v.includes('\n') || chance(rng, 0.3)) {
    return chance(rng, 0.9) ? `"${v.replaceAll('"', '""')}"` : `"${v}`; // sometimes an unclosed / badly doubled quote
  }
  return v;
}

function csvText(rng: Rng, hugeFieldBytes: number): string {
  const header = pick(rng, HEADERS);
  const eol = pick(rng, ['\n', '\r\n', '\r']);
  const lines = [header.join(',')];
  const rows = rng.int(12);
  for (let r = 0; r < rows; r++) {
    const width = chance(rng, 0.15) ? Math.max(0, header.length + rng.int(5) - 2) : header.length; // wrong column counts
    lines.push(Array.from({ length: width }, (_, i) => csvField(rng, header[i] ?? 'extra', hugeFieldBytes)).join(','));
    if (chance(rng, 0.05)) lines.push(pick(rng, ['', '   ', ',,,', '"']));
  }
  return (chance(rng, 0.2) ? '\uFEFF' : '') + lines.join(eol) + (chance(rng, 0.5) ? eol : '');
}

function jsonlText(rng: Rng, hugeFieldBytes: number): string {
  const rows = rng.int(12);
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const row: Record<string, unknown> = {};
    if (chance(rng, 0.9))
      row.text = chance(rng, 0.01)
        ? 'x'.repeat(hugeFieldBytes)
        : chance(rng, 0.1)
          ? pick(rng, [1, null, [], {}])
          : nastyString(rng, 30) || 'hi';
    if (chance(rng, 0.85)) row.label = pick(rng, ['ham', 'spam', 0, 1, true, null, 2.5, [], '']);
    if (chance(rng, 0.2)) row.logits = pick(rng, [[1, 2], [], ['a'], 'x', [1e308, -1e308], null]);
    if (chance(rng, 0.1)) row.logit_0 = pick(rng, [0.5, 'NaN', null, '1']);
    let line = JSON.stringify(row);
    if (chance(rng, 0.1))
      line = pick(rng, ['[1,2]', '"text"', 'null', '{', line.slice(0, Math.max(1, line.length - 3)), '{"__proto__": {"text": "x"}}']);
    lines.push(line);
    if (chance(rng, 0.05)) lines.push('');
  }
  const eol = pick(rng, ['\n', '\r\n']);
  return (chance(rng, 0.2) ? '\uFEFF' : '') + lines.join(eol);
}

/**
 * The records target; files go into `dir` (one file reused per case to keep the disk quiet).
 *
 * @example
 * ```ts
 * const s = await runFuzz({ name: 'records', seed: 1, count: 300, ...recordsTarget({ dir }) });
 * ```
 */
export function recordsTarget(opts: { dir: string; hugeFieldBytes?: number }): FuzzTarget<RecordsCase> {
  const huge = opts.hugeFieldBytes ?? 256 * 1024;
  return {
    generate(rng) {
      const format = pick(rng, ['csv', 'jsonl'] as const);
      const text = format === 'csv' ? csvText(rng, huge) : jsonlText(rng, huge);
      let bytes: Uint8Array = new TextEncoder().encode(text);
      if (chance(rng, 0.25)) bytes = mutateBytes(rng, bytes);
      if (chance(rng, 0.03)) bytes = randomBytes(rng, rng.int(2048));
      const gz = chance(rng, 0.03) ? '.gz' : '';
      const options: ReadRecordsOptions = { onBadRow: pick(rng, ['error', 'skip'] as const) };
      if (chance(rng, 0.1)) options.textColumn = pick(rng, ['text', 'body', '']);
      if (chance(rng, 0.1)) options.labelColumn = pick(rng, ['label', null, 'missing']);
      if (chance(rng, 0.1)) options.teacherLogitsColumn = pick(rng, ['logits', 'nope']);
      if (chance(rng, 0.1)) options.labelMap = ['ham', 'spam'];
      // Tiny reads split multi-byte characters and CRLF across chunks; only on small files (a 256 KiB field read
      // 8 bytes at a time takes seconds, which would be a test artifact, not a parser problem).
      if (chance(rng, 0.1) && bytes.length < 16_384) options.chunkSize = 1 + rng.int(16);
      if (chance(rng, 0.05)) options.limit = rng.int(3);
      return { file: path.join(opts.dir, `data.${format}${gz}`), bytes, options };
    },
    async run(c) {
      await writeFile(c.file, c.bytes);
      const loaded = await loadRecords(c.file, c.options);
      // A success must be internally consistent: non-empty texts, finite logits.
      for (const r of loaded.records) {
        if (typeof r.text !== 'string' || r.text.trim() === '') throw new Error(`accepted an empty text at line ${r.line}`);
        if (r.teacherLogits && !r.teacherLogits.every(Number.isFinite)) throw new Error(`accepted non-finite logits at line ${r.line}`);
      }
    },
  };
}
