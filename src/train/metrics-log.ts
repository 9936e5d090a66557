import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { require_, TfdistillError } from '../errors.js';

/**
 * One line of `metrics.jsonl`: a training log point or an evaluation, always with its step.
 */
export interface MetricsRecord {
  /** Optimizer updates done when the record was taken. */
  step: number;
  /** `train` for periodic loss logs, `eval` for evaluations. */
  kind: 'train' | 'eval';
  /** Any further numbers or strings (loss terms, lr, accuracy, ...). */
  [key: string]: unknown;
}

/**
 * Append-only JSON-lines metrics file (`out/metrics.jsonl`), one record per logged step or
 * evaluation, readable with `jq`, pandas (`read_json(lines=True)`) or a spreadsheet import.
 * Appends are written in call order. On resume, `truncateAfterStep(step)` drops the lines a crashed
 * or interrupted run wrote after its last checkpoint, so the file never shows a step twice.
 *
 * @example
 * ```ts
 * const metrics = new MetricsLog({ path: path.join(outDir, 'metrics.jsonl') });
 * await metrics.truncateAfterStep(resumedStep);
 * await metrics.append({ step: 100, kind: 'train', loss: 0.41, lr: 4.5e-4 });
 * await metrics.append({ step: 100, kind: 'eval', accuracy: 0.91 });
 * ```
 */
export class MetricsLog {
  /** File the records go to. */
  readonly path: string;
  private queue: Promise<void> = Promise.resolve();
  private dirReady = false;

  constructor(options: { path: string }) {
    this.path = options.path;
  }

  /**
   * Appends one record as a JSON line (non-finite numbers become `null`, as JSON requires).
   *
   * @example
   * ```ts
   * await metrics.append({ step, kind: 'train', loss, kd, lr });
   * ```
   */
  append(record: MetricsRecord): Promise<void> {
    require_(Number.isInteger(record.step) && record.step >= 0, `MetricsLog.append: step must be an integer >= 0, got ${record.step}`);
    const line = `${JSON.stringify(record)}\n`;
    return this.enqueue(async () => {
      await this.ensureDir();
      await appendFile(this.path, line, 'utf8');
    });
  }

  /**
   * All records in the file, in order ([] if it does not exist). A line cut short by a crash is
   * skipped.
   *
   * @example
   * ```ts
   * const evals = (await metrics.read()).filter((r) => r.kind === 'eval');
   * ```
   */
  async read(): Promise<MetricsRecord[]> {
    await this.queue;
    return parseLines(await this.readText());
  }

  /**
   * Keeps only the records with `step <= step` (rewritten atomically via a temporary file) and
   * returns how many were kept. A missing file is left missing.
   *
   * @example
   * ```ts
   * await metrics.truncateAfterStep(checkpoint.step);
   * ```
   */
  truncateAfterStep(step: number): Promise<number> {
    require_(Number.isInteger(step) && step >= 0, `MetricsLog.truncateAfterStep: step must be an integer >= 0, got ${step}`);
    return this.enqueue(async () => {
      const text = await this.readText();
      if (text === '') return 0;
      const kept = parseLines(text).filter((r) => r.step <= step);
      const tmp = `${this.path}.tmp`;
      await writeFile(tmp, kept.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
      await rename(tmp, this.path);
      return kept.length;
    });
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job);
    // Keep the chain alive after a failure; the failing call still rejects for its caller.
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async ensureDir(): Promise<void> {
    if (this.dirReady) return;
    await mkdir(path.dirname(this.path), { recursive: true });
    this.dirReady = true;
  }

  private async readText(): Promise<string> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw new TfdistillError('IO_ERROR', `cannot read metrics file ${this.path}: ${(e as Error).message}`);
    }
  }
}

function parseLines(text: string): MetricsRecord[] {
  const out: MetricsRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as MetricsRecord;
      if (typeof r === 'object' && r !== null && typeof r.step === 'number') out.push(r);
    } catch {
      // A partial line from an interrupted write: not a record.
    }
  }
  return out;
}
