import { createReadStream } from 'node:fs';
import { useBackend } from '../../backend/use-backend.js';
import { TfdistillError } from '../../errors.js';
import { createPredictor } from '../../serve/predictor.js';
import { predictStream } from '../../serve/predict-stream.js';
import { vectorFileSink } from '../../serve/vector-file.js';
import type { StreamFormat } from '../../serve/input-records.js';
import { defineCommand } from '../command.js';
import { backendOption, modelPositional, textColumnOptions } from '../options.js';

/**
 * `tfdistill predict <model> [input]`: one JSON line per input record (file or stdin), in order, with per-line
 * errors; or `--text "..."` for a single prediction.
 *
 * @example
 * ```sh
 * tfdistill predict student/ mail.jsonl --top-k 2 > predictions.jsonl
 * cat texts.txt | tfdistill predict student/ --format text
 * ```
 */
export const predictCommand = defineCommand({
  command: 'predict <model> [input]',
  describe: 'Classify (or, for an embedding model, embed) texts from a CSV/JSONL/text file or stdin (JSONL out)',
  builder: (y) =>
    y
      .positional('model', modelPositional)
      .positional('input', { type: 'string', describe: 'input file; omit or - for stdin' })
      .option('text', { type: 'string', describe: 'classify this one text and exit' })
      .option('text-pair', { type: 'string', describe: 'with --text: the second text of a sentence pair' })
      .option('format', { choices: ['jsonl', 'csv', 'text'] as const, describe: 'input format (default: from extension, text for stdin)' })
      .options(textColumnOptions)
      .option('max-batch-size', { type: 'number', default: 32 })
      .option('max-wait-ms', { type: 'number', default: 5 })
      .option('long-text', { choices: ['truncate', 'chunk'] as const, default: 'truncate' as const })
      .option('top-k', { type: 'number' })
      .option('vectors-out', {
        type: 'string',
        describe: 'an embedding model: write the vectors to this binary file instead of JSON lines',
      })
      .option('vectors-dtype', {
        choices: ['float32', 'float16'] as const,
        default: 'float32' as const,
        describe: 'element type of --vectors-out',
      })
      .options(backendOption)
      .example(
        '$0 predict run/ mail.jsonl --top-k 2 > predictions.jsonl',
        'one JSON line per input record, in order, with the student train wrote to run/',
      )
      .example('cat texts.txt | $0 predict run/ --format text', 'one text per line from stdin')
      .example('$0 predict run/ --text "win a free prize now"', 'classify one text')
      .example('$0 predict emb-run/ texts.csv --vectors-out texts.vec --vectors-dtype float16', 'embed a file into a binary matrix'),
  handler: async (args) => {
    if (args.vectorsOut !== undefined && args.text !== undefined) {
      throw new TfdistillError('INVALID_ARGUMENT', '--vectors-out embeds a file or stdin, not --text', 'drop one of them');
    }
    if (args.textPair !== undefined && args.text === undefined) {
      throw new TfdistillError('INVALID_ARGUMENT', '--text-pair goes with --text', 'pass both, or --text-pair-column for a file of pairs');
    }
    await useBackend(args.backend, { wasmThreads: args.threads });
    const predictor = await createPredictor(args.model, {
      maxBatchSize: args.maxBatchSize,
      maxWaitMs: args.maxWaitMs,
      longText: args.longText,
      topK: args.topK,
    });
    try {
      if (args.text !== undefined) {
        const one =
          predictor.task === 'embedding'
            ? { vector: Array.from(await predictor.embed(args.text, args.textPair)) }
            : await predictor.predict(args.text, args.textPair);
        console.log(JSON.stringify(one));
        return;
      }
      const fromStdin = args.input === undefined || args.input === '-';
      const format = (args.format ?? (fromStdin ? 'text' : formatOf(args.input!))) as StreamFormat;
      const input = fromStdin ? process.stdin : createReadStream(args.input!);
      const columns = { format, textColumn: args.textColumn, textPairColumn: args.textPairColumn };
      if (args.vectorsOut !== undefined) {
        if (predictor.task !== 'embedding') {
          throw new TfdistillError(
            'INVALID_ARGUMENT',
            '--vectors-out needs an embedding model; this one classifies',
            'leave --vectors-out out',
          );
        }
        const sink = await vectorFileSink(args.vectorsOut, args.vectorsDtype);
        await predictStream(predictor, input, sink, columns).finally(async () => {
          const { rows, dim, errors } = await sink.close();
          console.error(
            `tfdistill: wrote ${rows} vectors of ${dim} ${args.vectorsDtype} values to ${args.vectorsOut}${errors ? ` (${errors} failed records are NaN rows)` : ''}`,
          );
        });
        return;
      }
      const summary = await predictStream(predictor, input, process.stdout, columns);
      if (summary.errors > 0) console.error(`tfdistill: ${summary.errors} of ${summary.records} records had errors (see "error" lines)`);
    } finally {
      await predictor.close();
    }
  },
});

function formatOf(file: string): StreamFormat {
  const name = file.toLowerCase();
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'jsonl';
  if (name.endsWith('.txt')) return 'text';
  throw new TfdistillError('INVALID_ARGUMENT', `cannot tell the format of ${file}`, 'pass --format jsonl, csv or text');
}
