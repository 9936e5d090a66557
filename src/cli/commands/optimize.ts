import { defineCommand } from '../command.js';
import { optimize, type WeightDtype } from '../../compress/index.js';

/**
 * `tfdistill optimize <checkpoint> --preset light|medium|full --out opt/ [--data val.csv] [--json report.json]`.
 *
 * @example
 * ```sh
 * tfdistill optimize runs/student --preset medium --data val.csv --out runs/student-web
 * ```
 */
export const optimizeCommand = defineCommand({
  command: 'optimize <checkpoint>',
  describe: 'Prune and quantize a checkpoint in one go (light | medium | full) with one final report',
  builder: (y) => y
    .positional('checkpoint', { type: 'string', demandOption: true })
    .option('preset', { choices: ['light', 'medium', 'full'] as const, default: 'light' as const })
    .option('dtype', { type: 'string', default: 'uint8' })
    .option('data', { type: 'string' })
    .option('recover-with-distill', { type: 'boolean', default: false })
    .option('json', { type: 'string', describe: 'also write the report as JSON here' })
    .option('out', { type: 'string', demandOption: true })
    .option('force', { type: 'boolean', default: false }),
  handler: async (args) => {
    if (args.recoverWithDistill) console.error('tfdistill: recovery fine-tuning is not available in this build; continuing without it');
    const result = await optimize(args.checkpoint as string, {
      preset: args.preset, dtype: args.dtype as WeightDtype, data: args.data, out: args.out, force: args.force,
    });
    console.log(`${result.table}\n${result.notes.join('\n')}`);
    if (args.json) {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(args.json, JSON.stringify(result.report, null, 2));
    }
  },
});
