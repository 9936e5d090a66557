import { useBackend } from '../../backend/use-backend.js';
import { evaluate } from '../../eval/evaluate.js';
import { formatEvaluation } from '../../eval/format-evaluation.js';
import { defineCommand } from '../command.js';
import {
  backendOption,
  columnOptions,
  modelPositional,
  teacherEmbeddingOptions,
  teacherEmbeddingSettings,
  teacherRuntimeOptions,
} from '../options.js';

/**
 * `tfdistill eval <model> <data>`: accuracy, macro-F1, per-class precision/recall, confusion matrix, ECE, and with
 * `--teacher` agreement and KL. A table by default, JSON with `--json`.
 *
 * @example
 * ```sh
 * tfdistill eval student/ data/test.csv --teacher teacher/ --json
 * ```
 */
export const evalCommand = defineCommand({
  command: 'eval <model> <data>',
  describe: 'Evaluate a classifier checkpoint on a labelled CSV/JSONL file (an embedding student: against its teacher)',
  builder: (y) =>
    y
      .positional('model', modelPositional)
      .positional('data', { type: 'string', demandOption: true, describe: 'labelled CSV or JSONL file' })
      .option('teacher', {
        type: 'string',
        describe: 'teacher to compare with (agreement, KL): a checkpoint, or a Hugging Face ONNX export folder / .onnx file',
      })
      .option('batch-size', { type: 'number', default: 32 })
      .options(columnOptions)
      .options(teacherRuntimeOptions)
      .options(teacherEmbeddingOptions)
      .options(backendOption)
      .option('json', { type: 'boolean', default: false, describe: 'print JSON instead of tables' })
      .example('$0 eval run/ test.csv', 'accuracy, macro-F1, per-class report, confusion matrix and ECE of the student train wrote to run/')
      .example('$0 eval run/ test.csv --teacher t/ --json', 'also agreement and KL with the teacher, as JSON')
      .example('$0 eval run/ pairs.csv --text-column sentence1 --text-pair-column sentence2', 'a sentence-pair classifier')
      .example(
        '$0 eval emb-run/ texts.csv --teacher minilm-onnx/ --teacher-normalize',
        "an embedding student's agreement with its teacher",
      ),
  handler: async (args) => {
    await useBackend(args.backend, { wasmThreads: args.threads });
    const result = await evaluate(args.model, args.data, {
      teacher: args.teacher,
      teacherThreads: args.teacherThreads,
      teacherEmbedding: teacherEmbeddingSettings(args),
      batchSize: args.batchSize,
      textColumn: args.textColumn,
      textPairColumn: args.textPairColumn,
      labelColumn: args.labelColumn,
    });
    console.log(args.json ? JSON.stringify(result, null, 2) : formatEvaluation(result));
  },
});
