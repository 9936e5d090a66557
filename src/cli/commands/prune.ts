import { defineCommand } from '../command.js';
import { prune } from '../../compress/index.js';

/**
 * `tfdistill prune <checkpoint> --sparsity 0.5 --out pruned/ [--method structured] [--schedule 0.1,0.3,0.5]`.
 * `--recover-with-distill --data train.csv` is accepted; recovery is wired by the integrator.
 *
 * @example
 * ```sh
 * tfdistill prune runs/student --method structured --sparsity 0.3 --data val.csv --out runs/student-pruned
 * ```
 */
export const pruneCommand = defineCommand({
  command: 'prune <checkpoint>',
  describe: 'Prune a checkpoint (magnitude or structured) and report accuracy/size/latency per step',
  builder: (y) => y
    .positional('checkpoint', { type: 'string', demandOption: true })
    .option('sparsity', { type: 'number', demandOption: true, describe: 'final sparsity in [0, 1)' })
    .option('method', { choices: ['magnitude', 'structured'] as const, default: 'magnitude' as const })
    .option('scope', { choices: ['layer', 'global'] as const, default: 'layer' as const })
    .option('schedule', { type: 'string', describe: "'one-shot' or comma-separated sparsities, e.g. 0.1,0.3,0.5,0.7" })
    .option('exclude', { type: 'string', array: true, describe: 'weight-name globs to leave alone' })
    .option('data', { type: 'string', describe: 'labelled CSV/JSONL for accuracy' })
    .option('recover-with-distill', { type: 'boolean', default: false })
    .option('out', { type: 'string', demandOption: true })
    .option('force', { type: 'boolean', default: false }),
  handler: async (args) => {
    if (args.recoverWithDistill) console.error('tfdistill: recovery fine-tuning is not available in this build; pruning without recovery');
    const schedule = args.schedule && args.schedule !== 'one-shot' ? args.schedule.split(',').map(Number) : 'one-shot';
    const result = await prune(args.checkpoint as string, {
      sparsity: args.sparsity, method: args.method, scope: args.scope, schedule, data: args.data, out: args.out, force: args.force,
      ...(args.exclude ? { exclude: args.exclude } : {}),
    });
    result.model.dispose();
    result.masks?.dispose();
    console.log(result.table);
  },
});
