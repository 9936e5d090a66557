/**
 * `npm run stress`: the long reliability runs, one at a time (the machine has 2 shared cores), then one table of
 * cases tried, failures, kills survived and leaks, ready for the README's Reliability section.
 *
 *   npm run stress                 # everything at full size (~40 min on 2 cores)
 *   npm run stress -- --quick      # smaller counts, to check the scripts (~5 min)
 *   npm run stress -- fuzz soak    # only some parts: fuzz, kill, disk, soak, load
 *   npm run stress -- --cli-cases=100   # fewer CLI processes (each ~2 s; the in-process CLI target runs all cases)
 *   npm run stress -- fuzz --fuzz=records,tokenizer   # only these fuzz targets: records, tokenizer, teacher-cache,
 *                                                      # checkpoint, cli-inprocess, cli
 *
 * `npm run stress` runs under `node --expose-gc`, so RSS figures are sampled after a GC (live data, not garbage).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { useBackend } from '../../src/backend/use-backend.js';
import { Rng } from '../../src/util/rng.js';
import { diskFull } from './disk-full.js';
import { fuzzStress } from './fuzz-stress.js';
import { killResume } from './kill-resume-core.js';
import { predictorLoad } from './predictor-load.js';
import { soak } from './soak.js';

await useBackend('wasm');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const parts = args.filter((a) => !a.startsWith('--'));
const want = (part: string) => parts.length === 0 || parts.includes(part);
const log = (s: string) => console.log(s);
const rows: Array<[string, string, string, string]> = [];
let failed = false;
const fail = (ok: boolean) => {
  if (!ok) failed = true;
  return ok ? 'ok' : 'FAIL';
};

if (want('fuzz')) {
  const cliArg = args.find((a) => a.startsWith('--cli-cases='));
  const cliCases = cliArg ? Number(cliArg.split('=')[1]) : quick ? 10 : 300;
  const only = args
    .find((a) => a.startsWith('--fuzz='))
    ?.split('=')[1]
    ?.split(',');
  for (const r of await fuzzStress({ cases: quick ? 500 : 10_000, cliCases, targets: only, log })) {
    const codes = Object.entries(r.errors)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
    rows.push([
      `fuzz ${r.name}`,
      `${r.cases} cases (${r.ok} loaded/parsed${codes ? `; ${codes}` : ''})`,
      `${r.failures.length} ${fail(r.failures.length === 0)}`,
      `${r.leakedTensors} tensors`,
    ]);
    if (r.leakedTensors !== 0) failed = true;
  }
}
if (want('kill')) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tfdistill-kill-stress-'));
  try {
    const r = await killResume({ dir, kills: quick ? 4 : 24, maxSteps: quick ? 16 : 60, checkpointEvery: 2, rng: new Rng(11), log });
    const ok = r.badCheckpoints.length === 0 && r.dataMismatches.length === 0 && r.maxWeightDiff <= 1e-6;
    rows.push([
      'SIGKILL + resume',
      `${r.kills} kills survived (${r.killsDuringWrite} during checkpoint writes), ${r.checkpointsLoaded} checkpoint loads`,
      `${r.badCheckpoints.length + r.dataMismatches.length} ${fail(ok)}`,
      `max weight diff ${r.maxWeightDiff.toExponential(1)}; steps skipped/repeated: ${r.dataMismatches.length}`,
    ]);
    r.badCheckpoints
      .concat(r.dataMismatches)
      .slice(0, 10)
      .forEach((p) => {
        log(`  FAIL ${p}`);
      });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
if (want('disk')) {
  const cases = await diskFull();
  if (cases === undefined) rows.push(['disk full / read-only', 'not run (mounting tmpfs needs root)', '-', '-']);
  for (const c of cases ?? []) {
    const ok = c.error.startsWith('IO_ERROR') && c.previousIntact;
    rows.push([
      c.scenario,
      c.error.split(':')[0],
      `${ok ? 0 : 1} ${fail(ok)}`,
      c.previousIntact ? 'previous checkpoint intact' : 'PREVIOUS CHECKPOINT DAMAGED',
    ]);
  }
}
if (want('soak')) {
  const r = await soak({ steps: quick ? 1000 : 5000, predictions: quick ? 20_000 : 100_000, log });
  for (const [what, g, n] of [
    ['soak training', r.train, `${r.trainSteps} steps`],
    ['soak predictions', r.predict, `${r.predictions} predictions`],
  ] as const) {
    const ok = g.tensorGrowth === 0 && g.byteGrowth === 0 && g.rssGrowthPct < 5;
    rows.push([
      what,
      n,
      fail(ok),
      `tensors ${g.tensorGrowth >= 0 ? '+' : ''}${g.tensorGrowth}, bytes ${g.byteGrowth >= 0 ? '+' : ''}${g.byteGrowth}, RSS ${g.rssGrowthPct >= 0 ? '+' : ''}${g.rssGrowthPct.toFixed(2)}%`,
    ]);
  }
}
if (want('load')) {
  const r = await predictorLoad({ lines: quick ? 100_000 : 1_000_000, log });
  for (const c of r.concurrency) {
    const ok = c.answered === c.requests && c.wrong === 0;
    rows.push([
      `predict, ${c.callers} concurrent callers`,
      `${c.requests} requests`,
      `${c.requests - c.answered + c.wrong} ${fail(ok)}`,
      `p50 ${c.p50Ms.toFixed(1)} ms, p99 ${c.p99Ms.toFixed(1)} ms, ${c.perSec.toFixed(0)}/s`,
    ]);
  }
  const s = r.stream;
  const ok = s.answered === s.lines && s.outOfOrder === 0 && s.errors === 0 && s.memory.tensorGrowth === 0;
  rows.push([
    `predictStream`,
    `${s.lines} lines`,
    `${s.lines - s.answered + s.outOfOrder + s.errors} ${fail(ok)}`,
    `in order, ${s.perSec.toFixed(0)} lines/s; tensors ${s.memory.tensorGrowth >= 0 ? '+' : ''}${s.memory.tensorGrowth}, RSS ${s.memory.rssGrowthPct.toFixed(2)}%`,
  ]);
}

const header: [string, string, string, string] = ['check', 'tried', 'failures', 'leaks / figures'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(['', line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
process.exit(failed ? 1 : 0);
