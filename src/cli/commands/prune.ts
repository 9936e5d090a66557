import { useBackend } from '../../backend/use-backend.js';
import { defineCommand } from '../command.js';
import { backendOption, commaNumbers, compressModelPositional, outputOptions, recoveryOptions, recoverySettings } from '../options.js';
import { distillRecovery } from '../../compress/recover-with-distill.js';
import { prune, type RecoverFn } from '../../compress/prune.js';

/**
 * `tfdistill prune <model> --sparsity 0.5 --out pruned/ [--method structured] [--schedule 0.1,0.3,0.5]
 * [--recover-with-distill --data train.csv [--teacher dir] [--recover-epochs 1]]`.
 *
 * @example
 * ```sh
 * tfdistill prune runs/student --sparsity 0.7 --schedule 0.3,0.5,0.7 --recover-with-distill --data train.csv --out runs/pruned
 * ```
 */
export const pruneCommand = defineCommand({
  command: 'prune <model>',
  describe: 'Prune a checkpoint (magnitude or structured) and report accuracy/size/latency per step',
  builder: (y) =>
    y
      .positional('model', compressModelPositional)
      .option('sparsity', { type: 'number', demandOption: true, describe: 'final sparsity in [0, 1)' })
      .option('method', { choices: ['magnitude', 'structured'] as const, default: 'magnitude' as const })
      .option('scope', { choices: ['layer', 'global'] as const, default: 'layer' as const })
      .option('blocks', { type: 'number', describe: 'structured: also remove this many whole encoder blocks (least important on --data)' })
      .option('schedule', {
        type: 'string',
        default: 'one-shot',
        describe: "'one-shot' or comma-separated sparsities, e.g. 0.1,0.3,0.5,0.7",
        coerce: (v: string) => (v === 'one-shot' ? v : commaNumbers(v)),
      })
      .option('exclude', { type: 'string', array: true, describe: 'weight-name globs to leave alone' })
      .option('data', { type: 'string', describe: 'labelled CSV/JSONL for accuracy (and recovery training)' })
      .options(recoveryOptions)
      .option('teacher', { type: 'string', describe: 'teacher checkpoint for recovery (default: the unpruned checkpoint)' })
      .options(outputOptions('Folder for the pruned checkpoint'))
      .options(backendOption)
      .example(
        '$0 prune run/ --method structured --sparsity 0.3 --data val.csv --out pruned/',
        'remove 30% of heads and neurons from the student train wrote to run/, with accuracy per step',
      )
      .example(
        '$0 prune run/ --sparsity 0.7 --schedule 0.3,0.5,0.7 --recover-with-distill --data train.csv --out pruned/',
        'magnitude pruning in three steps, each followed by a short distillation from the unpruned model',
      ),
  handler: async (args) => {
    await useBackend(args.backend, { wasmThreads: args.threads });
    const settings = recoverySettings({ ...args, checkpoint: args.model });
    const recover: RecoverFn | undefined = settings ? distillRecovery(settings) : undefined;
    const result = await prune(args.model, {
      sparsity: args.sparsity,
      method: args.method,
      scope: args.scope,
      schedule: args.schedule,
      data: args.data,
      out: args.out,
      force: args.force,
      recover,
      ...(args.blocks === undefined ? {} : { blocks: args.blocks }),
      ...(args.exclude ? { exclude: args.exclude } : {}),
    });
    result.model.dispose();
    result.masks?.dispose();
    console.log(result.table);
  },
});
