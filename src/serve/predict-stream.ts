/**
 * `predictStream`: classify a file or stdin of any size with bounded memory. Records are read lazily, at most
 * `maxInFlight` predictions are outstanding (so the micro-batcher always has company to batch with), results are
 * written strictly in input order as soon as the oldest one is ready, and a full output stream pauses reading.
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { require_ } from '../errors.js';
import { inputLines } from './input-lines.js';
import { inputRecords, type StreamFormat } from './input-records.js';
import type { Prediction, Predictor } from './predictor-core.js';

/**
 * Options for {@link predictStream}.
 */
export interface PredictStreamOptions {
  format: StreamFormat;
  /** Field holding the text in CSV/JSONL input (default `text`). */
  textColumn?: string;
  /** Field holding the second text of sentence pairs in CSV/JSONL input (for students trained on pairs). */
  textPairColumn?: string;
  /** Predictions outstanding at once (default 256); bounds memory, and should exceed the predictor's batch size. */
  maxInFlight?: number;
}

/**
 * Counts of a finished {@link predictStream}.
 *
 * @example
 * ```ts
 * const { records, errors }: PredictStreamSummary = await predictStream(p, input, process.stdout, { format: 'text' });
 * ```
 */
export interface PredictStreamSummary {
  /** Input records, i.e. output lines written. */
  records: number;
  /** Of which error records. */
  errors: number;
}

/**
 * Where {@link predictStream} can send results instead of a stream of JSON lines (e.g. `vectorFileSink`), in input
 * order, one call at a time.
 *
 * @example
 * ```ts
 * await predictStream(predictor, input, { take: async (r) => console.log(r.line) }, { format: 'jsonl' });
 * ```
 */
export interface ResultSink {
  take(result: StreamResult): Promise<void>;
}

/**
 * One output line: the input's line number plus a prediction (an embedding model: its vector), or plus the error for that record.
 */
export type StreamResult = ({ line: number } & Prediction) | { line: number; vector: number[] } | { line: number; error: string };

/**
 * Reads texts from `input` (stdin, a file stream, or any async iterable of text/bytes), classifies each with
 * `predictor` (or, for an embedding model, embeds it: `{ line, vector }`) and writes one JSON line per input record to
 * `output` (or hands each result to a {@link ResultSink}), in input order. A bad record (empty, not
 * UTF-8, not JSON, missing column) yields `{ line, error }` and processing continues.
 *
 * @example
 * ```ts
 * const predictor = await createPredictor('student/');
 * await predictStream(predictor, fs.createReadStream('mail.jsonl'), process.stdout, { format: 'jsonl' });
 * await predictor.close();
 * ```
 */
export async function predictStream(
  predictor: Predictor,
  input: AsyncIterable<string | Uint8Array> | Readable,
  output: Writable | ResultSink,
  options: PredictStreamOptions,
): Promise<PredictStreamSummary> {
  const maxInFlight = options.maxInFlight ?? 256;
  require_(Number.isInteger(maxInFlight) && maxInFlight >= 1, `maxInFlight must be a positive integer, got ${maxInFlight}`);
  const inFlight: Array<Promise<StreamResult>> = [];
  const summary: PredictStreamSummary = { records: 0, errors: 0 };

  const writeOldest = async (): Promise<void> => {
    const result = await inFlight.shift()!;
    summary.records++;
    if ('error' in result) summary.errors++;
    // A Duplex stream has a `take` too (Node's iterator helper): tell them apart by `write`.
    if (!('write' in output)) await output.take(result);
    else if (!output.write(`${JSON.stringify(result)}\n`)) await drained(output);
  };

  const records = inputRecords(inputLines(input as AsyncIterable<string | Uint8Array>), options);
  for await (const record of records) {
    inFlight.push(
      'error' in record
        ? Promise.resolve(record)
        : (predictor.task === 'embedding'
            ? predictor.embed(record.text, record.pair).then((v): StreamResult => ({ line: record.line, vector: Array.from(v) }))
            : predictor.predict(record.text, record.pair).then((p): StreamResult => ({ line: record.line, ...p }))
          ).catch((e: unknown): StreamResult => ({ line: record.line, error: e instanceof Error ? e.message : String(e) })),
    );
    if (inFlight.length >= maxInFlight) await writeOldest();
  }
  while (inFlight.length > 0) await writeOldest();
  return summary;
}

/** Waits for 'drain', or fails if the stream errors or closes first (a closed stdout must not hang us). */
async function drained(output: Writable): Promise<void> {
  const ac = new AbortController();
  try {
    await Promise.race([
      once(output, 'drain', { signal: ac.signal }),
      once(output, 'close', { signal: ac.signal }).then(() => {
        throw new Error('output stream closed');
      }),
    ]);
  } finally {
    ac.abort();
  }
}
