import { useBackend } from '../../backend/use-backend.js';
import { defineCommand } from '../command.js';
import { backendOption, compressModelPositional, outputOptions, recoveryOptions, recoverySettings } from '../options.js';
import { distillCheckpoint, distillRecovery } from '../../compress/recover-with-distill.js';
import { optimize } from '../../compress/optimize.js';
import type { WeightDtype } from '../../compress/quant-math.js';
import { loadClassifier } from '../../io/classifier-checkpoint.js';

/**
 * `tfdistill optimize <model> --preset light|medium|full --out opt/ [--data val.csv] [--json]
 * [--teacher teacher/] [--recover-with-distill [--recover-data train.csv] [--recover-epochs 1]] [--distill-epochs 1]`.
 * `full` first distils the checkpoint further from `--teacher` (when given) on the training data.
 *
 * @example
 * ```sh
 * tfdistill optimize runs/student --preset full --teacher runs/teacher/student --data train.csv --recover-with-distill --out runs/student-web
 * ```
 */
export const optimizeCommand = defineCommand({
  command: 'optimize <model>',
  describe: 'Prune and quantize a checkpoint in one go (light | medium | full) with one final report',
  builder: (y) =>
    y
      .positional('model', compressModelPositional)
      .option('preset', { choices: ['light', 'medium', 'full'] as const, default: 'light' as const })
      .option('dtype', { type: 'string', default: 'uint8' })
      .option('data', { type: 'string', describe: 'labelled CSV/JSONL for the report (and recovery/distillation training)' })
      .option('teacher', {
        type: 'string',
        describe: 'teacher checkpoint: reference for agreement/KL, recovery teacher, full preset distillation',
      })
      .options(recoveryOptions)
      .option('distill-epochs', { type: 'number', default: 1, describe: 'full preset: epochs of further distillation' })
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON instead of a table' })
      .options(outputOptions('Folder for the optimized checkpoint'))
      .options(backendOption)
      .example(
        '$0 optimize run/ --preset medium --data train.csv --out small/',
        'prune 30% and quantize to uint8 the student train wrote to run/',
      )
      .example(
        '$0 optimize run/ --preset full --teacher t/ --data train.csv --recover-with-distill --out small/ --json > report.json',
        'distil further from the teacher, prune with recovery, quantize; the report as JSON',
      ),
  handler: async (args) => {
    await useBackend(args.backend, { wasmThreads: args.threads });
    const settings = recoverySettings({ ...args, checkpoint: args.model });
    const trainData = args.recoverData ?? args.data;
    const distill =
      args.preset === 'full' && args.teacher && trainData
        ? (dir: string, outDir: string) =>
            distillCheckpoint(dir, outDir, { teacher: args.teacher as string, data: trainData, epochs: args.distillEpochs })
        : undefined;
    const teacher = args.teacher ? await loadClassifier(args.teacher) : undefined;
    try {
      const result = await optimize(args.model, {
        preset: args.preset,
        dtype: args.dtype as WeightDtype,
        data: args.data,
        out: args.out,
        force: args.force,
        teacher: teacher?.model,
        recover: settings ? distillRecovery(settings) : undefined,
        distill,
      });
      console.log(args.json ? JSON.stringify(result.report, null, 2) : `${result.table}\n${result.notes.join('\n')}`);
    } finally {
      teacher?.model.dispose();
    }
  },
});
