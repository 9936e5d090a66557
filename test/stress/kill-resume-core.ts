/**
 * The kill-resume experiment shared by the stress script (>= 20 kills) and the fast test (2-3 kills): run the tiny
 * training child once without interruption (the reference), then again while SIGKILLing it at random moments,
 * every other one aimed at a checkpoint write (SIGKILL as soon as a `.tmp-`/`.old-` sibling is seen), resuming each time.
 * After every kill every checkpoint on disk must load; at the end the weights must equal the reference's and the
 * per-step batch log, with the steps redone after each kill rolled back, must equal the reference's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../src/io/load-model.js';
import '../../src/models/register.js'; // registers the encoder layers the checkpoints use
import type { Rng } from '../../src/util/rng.js';

const CHILD = fileURLToPath(new URL('./train-child.ts', import.meta.url));

/** Options for {@link killResume}. */
export interface KillResumeOptions {
  /** Directory for the two runs (created by the child). */
  dir: string;
  kills: number;
  maxSteps: number;
  checkpointEvery: number;
  rng: Rng;
  log?: (line: string) => void;
}

/** The figures of one experiment. */
export interface KillResumeReport {
  kills: number;
  killsDuringWrite: number;
  /** Child launches, including the last one that finished. */
  launches: number;
  checkpointsLoaded: number;
  /** Checkpoints on disk that failed to load, with the error. */
  badCheckpoints: string[];
  maxWeightDiff: number;
  /** Steps whose batches differ from the reference, or are missing / extra. */
  dataMismatches: string[];
  seconds: number;
}

/**
 * Runs the experiment and returns its figures (it does not assert; callers decide).
 *
 * @example
 * ```ts
 * const r = await killResume({ dir, kills: 20, maxSteps: 40, checkpointEvery: 2, rng: new Rng(1) });
 * ```
 */
export async function killResume(opts: KillResumeOptions): Promise<KillResumeReport> {
  const started = performance.now();
  const log = opts.log ?? (() => {});
  const ref = path.join(opts.dir, 'reference');
  const run = path.join(opts.dir, 'interrupted');
  const report: KillResumeReport = {
    kills: 0,
    killsDuringWrite: 0,
    launches: 0,
    checkpointsLoaded: 0,
    badCheckpoints: [],
    maxWeightDiff: NaN,
    dataMismatches: [],
    seconds: 0,
  };

  const refExit = await launch({ out: ref, opts, kill: undefined });
  if (refExit !== 'done') throw new Error(`reference run failed: ${refExit}`);
  while (true) {
    report.launches++;
    const wantKill = report.kills < opts.kills;
    // Alternate the two kinds so that even a 2-kill run hits a checkpoint write once.
    const duringWrite = report.launches % 2 === 1;
    const kill: Kill | undefined = !wantKill
      ? undefined
      : duringWrite
        ? { kind: 'write', fallbackAfterSteps: 2 * opts.checkpointEvery + 1 }
        : { kind: 'step', afterSteps: 1 + opts.rng.int(3), delayMs: opts.rng.int(40) };
    const exit = await launch({ out: run, opts, kill });
    if (exit === 'done') break;
    if (exit === 'killed' || exit === 'killed-during-write') {
      report.kills++;
      if (exit === 'killed-during-write') report.killsDuringWrite++;
      log(`kill ${report.kills} (${exit}), checking checkpoints`);
      await checkCheckpoints(run, report);
      continue;
    }
    throw new Error(`interrupted run failed: ${exit}`);
  }
  await checkCheckpoints(run, report);
  report.maxWeightDiff = await weightDiff(path.join(ref, 'student'), path.join(run, 'student'));
  report.dataMismatches = compareLogs(await stepLog(`${ref}.log`), await stepLog(`${run}.log`));
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/** Kill after some steps (plus a delay), or as soon as a checkpoint write is seen (else after a few steps anyway). */
type Kill = { kind: 'step'; afterSteps: number; delayMs: number } | { kind: 'write'; fallbackAfterSteps: number };

/** Runs the child once; resolves 'done', 'killed', 'killed-during-write', or a failure description. */
function launch(args: { out: string; opts: KillResumeOptions; kill: Kill | undefined }): Promise<string> {
  const { out, opts, kill } = args;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, out, `${out}.log`, String(opts.maxSteps), String(opts.checkpointEvery)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let steps = 0;
  let killedDuringWrite = false;
  let poller: NodeJS.Timeout | undefined;
  const killNow = (duringWrite: boolean) => {
    if (child.exitCode !== null || child.killed) return;
    killedDuringWrite = duringWrite;
    child.kill('SIGKILL');
  };
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
    const n = (d.toString().match(/^step \d+$/gm) ?? []).length;
    steps += n;
    if (kill?.kind === 'step' && n > 0 && steps >= kill.afterSteps) setTimeout(() => killNow(false), kill.delayMs);
    if (kill?.kind === 'write' && steps >= kill.fallbackAfterSteps) killNow(false);
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
  });
  if (kill?.kind === 'write') poller = pollForWrite(out, child, () => killNow(true));
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearInterval(poller);
      if (signal === 'SIGKILL') resolve(killedDuringWrite ? 'killed-during-write' : 'killed');
      else if (code === 0 && stdout.includes('done')) resolve('done');
      else resolve(`exit ${code} ${signal ?? ''}: ${stderr.slice(-2000)}`);
    });
  });
}

/** Polls the run's directories every millisecond and calls `kill` as soon as a checkpoint is half-written. */
function pollForWrite(out: string, child: ChildProcess, kill: () => void): NodeJS.Timeout {
  let busy = false;
  return setInterval(() => {
    if (busy || child.exitCode !== null) return;
    busy = true;
    Promise.all([readdir(path.join(out, 'checkpoints')).catch(() => []), readdir(out).catch(() => [])])
      .then(([a, b]) => {
        if ([...a, ...b].some((n) => /\.(tmp|old)-/.test(n))) kill();
      })
      .finally(() => {
        busy = false;
      });
  }, 1);
}

/** Loads every step checkpoint (with optimizer state) and the exported student, recording the ones that fail. */
async function checkCheckpoints(run: string, report: KillResumeReport): Promise<void> {
  const root = path.join(run, 'checkpoints');
  const dirs = (await readdir(root).catch(() => [] as string[])).filter((n) => /^step-\d+$/.test(n)).map((n) => path.join(root, n));
  for (const dir of dirs) {
    try {
      const { model, optimizer } = await loadModel(dir, { withOptimizer: true });
      model.dispose();
      optimizer?.weights.forEach((w) => {
        w.tensor.dispose();
      });
      report.checkpointsLoaded++;
    } catch (e) {
      report.badCheckpoints.push(`${dir}: ${(e as Error).message}`);
    }
  }
}

async function weightDiff(a: string, b: string): Promise<number> {
  const [ma, mb] = [(await loadModel(a)).model, (await loadModel(b)).model];
  try {
    const wa = ma.getWeights(),
      wb = mb.getWeights();
    if (wa.length !== wb.length) return Infinity;
    let max = 0;
    for (let i = 0; i < wa.length; i++) {
      const x = wa[i].dataSync(),
        y = wb[i].dataSync();
      if (x.length !== y.length) return Infinity;
      for (let j = 0; j < x.length; j++) max = Math.max(max, Math.abs(x[j] - y[j]));
    }
    return max;
  } finally {
    ma.dispose();
    mb.dispose();
  }
}

/**
 * The batches per step as the run finally used them: a line for step s after a kill means steps >= s were redone,
 * so earlier entries for them are dropped (they belonged to work the kill threw away).
 */
async function stepLog(file: string): Promise<Map<number, string>> {
  const steps = new Map<number, string>();
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (line.trim() === '') continue;
    let entry: { step: number; rows: string[] };
    try {
      entry = JSON.parse(line) as { step: number; rows: string[] };
    } catch {
      continue; // a line cut by the kill
    }
    for (const s of [...steps.keys()]) if (s >= entry.step) steps.delete(s);
    steps.set(entry.step, JSON.stringify(entry.rows));
  }
  return steps;
}

function compareLogs(ref: Map<number, string>, run: Map<number, string>): string[] {
  const problems: string[] = [];
  for (const [step, rows] of ref) {
    if (!run.has(step)) problems.push(`step ${step} missing (skipped)`);
    else if (run.get(step) !== rows) problems.push(`step ${step} trained on other batches than the reference`);
  }
  for (const step of run.keys()) if (!ref.has(step)) problems.push(`step ${step} is extra`);
  return problems;
}
