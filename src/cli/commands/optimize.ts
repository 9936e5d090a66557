import { useBackend } from '../../backend/use-backend.js';
import { defineCommand } from '../command.js';
import { backendOption, recoverySettings } from '../options.js';
import { distillCheckpoint, distillRecovery, optimize, type WeightDtype } from '../../compress/index.js';
import { loadClassifier } from '../../io/classifier-checkpoint.js';

/**
 * `tfdistill optimize <checkpoint> --preset light|medium|full --out opt/ [--data val.csv] [--json report.json]
 * [--teacher teacher/] [--recover-with-distill [--recover-data train.csv] [--recover-epochs 1]] [--distill-epochs 1]`.
 * `full` first distils the checkpoint further from `--teacher` (when given) on the training data.
 *
 * @example
 * ```sh
 * tfdistill optimize runs/student --preset full --teacher runs/teacher/student --data train.csv --recover-with-distill --out runs/student-web
 * ```
 */
export const optimizeCommand = defineCommand({
  command: 'optimize <checkpoint>',
  describe: 'Prune and quantize a checkpoint in one go (light | medium | full) with one final report',
  builder: (y) => y
    .positional('checkpoint', { type: 'string', demandOption: true })
    .option('preset', { choices: ['light', 'medium', 'full'] as const, default: 'light' as const })
    .option('dtype', { type: 'string', default: 'uint8' })
    .option('data', { type: 'string', describe: 'labelled CSV/JSONL for the report (and recovery/distillation training)' })
    .option('teacher', { type: 'string', describe: 'teacher checkpoint: reference for agreement/KL, recovery teacher, full preset distillation' })
    .option('recover-with-distill', { type: 'boolean', default: false, describe: 'fine-tune by distillation after pruning' })
    .option('recover-data', { type: 'string', describe: 'training CSV/JSONL for recovery and distillation (default --data)' })
    .option('recover-epochs', { type: 'number', default: 1 })
    .option('distill-epochs', { type: 'number', default: 1, describe: 'full preset: epochs of further distillation' })
    .option('json', { type: 'string', describe: 'also write the report as JSON here' })
    .option('out', { type: 'string', demandOption: true })
    .option('force', { type: 'boolean', default: false })
    .options(backendOption),
  handler: async (args) => {
    await useBackend(args.backend, { wasmThreads: args.threads });
    const checkpoint = args.checkpoint as string;
    const settings = recoverySettings({ ...args, checkpoint });
    const trainData = args.recoverData ?? args.data;
    const distill = args.preset === 'full' && args.teacher && trainData
      ? (dir: string, outDir: string) => distillCheckpoint(dir, outDir, { teacher: args.teacher as string, data: trainData, epochs: args.distillEpochs })
      : undefined;
    const teacher = args.teacher ? await loadClassifier(args.teacher) : undefined;
    try {
      const result = await optimize(checkpoint, {
        preset: args.preset, dtype: args.dtype as WeightDtype, data: args.data, out: args.out, force: args.force,
        teacher: teacher?.model, recover: settings ? distillRecovery(settings) : undefined, distill,
      });
      console.log(`${result.table}\n${result.notes.join('\n')}`);
      if (args.json) {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(args.json, JSON.stringify(result.report, null, 2));
      }
    } finally {
      teacher?.model.dispose();
    }
  },
});
