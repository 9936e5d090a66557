/**
 * The end-to-end job beside PyTorch's, all measured in one run, one contender at a time (the machine has 2 cores):
 * tfdistill's `distill()` (`bench/job.ts`) with the ONNX teacher and with the TF.js teacher filling its teacher cache,
 * then the same job written in PyTorch (`bench/peer/torch_job.py`) with the teacher run once and cached — the loop
 * distill() runs — and with the teacher run live on every batch — the usual PyTorch KD loop.
 *
 * Run: `npm run bench -- --job [--examples 10000] [--epochs 3] [--skip-tfjs-teacher] [--out file]` (or `npx tsx
 * bench/job-vs-pytorch.ts` with the same flags; ~30 min with the defaults). Writes `bench/results/<date>-job-vs-pytorch.json` and prints a Markdown table.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEER_DIR } from './torch-peer.js';

/** One contender's wall times, in seconds. */
interface JobTimes {
  contender: string;
  endToEndS: number;
  teacherPassS: number;
  trainingS: number;
  steps: number;
}

const argv = process.argv.slice(2);
const value = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const examples = value('--examples', '10000');
const epochs = value('--epochs', '3');
const here = path.dirname(fileURLToPath(import.meta.url));
// Results are never overwritten: a second run the same day needs its own --out.
const file = value('--out', path.join(here, 'results', `${new Date().toISOString().slice(0, 10)}-job-vs-pytorch.json`));
if (existsSync(file)) throw new Error(`${file} exists: results are never overwritten; pass --out <new file>`);
const log = (m: string) => process.stderr.write(`${m}\n`);

/** bench/job.ts in a process of its own; its summary line gives the phases. */
function tfdistillJob(contender: string, extra: string[]): JobTimes {
  log(`\n== ${contender}`);
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'job.ts'), '--examples', examples, '--epochs', epochs, ...extra],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  // With one epoch distill() runs the teacher live (no cache): the teacher pass is then part of training.
  const m = line.match(/: (\d+) s end to end \(setup \d+ s, (?:teacher cache (\d+) s, )?.*training \+ export (\d+) s; (\d+) steps/);
  if (child.status !== 0 || !m) throw new Error(`bench/job.ts ${extra.join(' ')} failed (exit ${child.status}): ${line}`);
  return { contender, endToEndS: Number(m[1]), teacherPassS: Number(m[2] ?? 0), trainingS: Number(m[3]), steps: Number(m[4]) };
}

/** bench/peer/torch_job.py in its folder (it imports flops.py and peer_model.py from there). */
function torchJob(contender: string, teacher: 'cached' | 'live'): JobTimes {
  log(`\n== ${contender}`);
  const out = execFileSync('/usr/bin/python3', ['-B', 'torch_job.py', '--teacher', teacher, '--examples', examples, '--epochs', epochs], {
    cwd: PEER_DIR,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const r = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
  return { contender, endToEndS: r.end_to_end_s, teacherPassS: r.teacher_pass_s, trainingS: r.training_and_saving_s, steps: r.steps };
}

const rows: JobTimes[] = [tfdistillJob('tfdistill, ONNX teacher fills the cache', ['--onnx-teacher'])];
if (!argv.includes('--skip-tfjs-teacher')) rows.push(tfdistillJob('tfdistill, TF.js wasm teacher fills the cache', []));
rows.push(torchJob('PyTorch, teacher run once and cached', 'cached'));
rows.push(torchJob('PyTorch, teacher live on every batch', 'live'));

const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here, encoding: 'utf8' }).trim();
const result = {
  command: ['npm run bench -- --job', ...argv].join(' '),
  date: new Date().toISOString(),
  commit,
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
  job: { examples: Number(examples), epochs: Number(epochs), batch: 32, tfdistillReplicas: 'auto' },
  rows,
};
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.log('| contender | end to end | teacher pass | training + saving | updates |\n|---|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.contender} | ${r.endToEndS.toFixed(0)} s | ${r.teacherPassS.toFixed(0)} s | ${r.trainingS.toFixed(0)} s | ${r.steps} |`,
  );
}
log(`wrote ${path.relative(process.cwd(), file)}`);
