import { defineCommand } from '../command.js';
import { quantize, type WeightDtype } from '../../compress/index.js';

/**
 * `tfdistill quantize <checkpoint> --dtype uint8 --out q/ [--include 'block_*'] [--exclude 'embeddings*']`.
 *
 * @example
 * ```sh
 * tfdistill quantize runs/student --dtype uint8 --data val.csv --out runs/student-uint8
 * ```
 */
export const quantizeCommand = defineCommand({
  command: 'quantize <checkpoint>',
  describe: 'Store weights as uint8/uint16/float16 (tensorflowjs_converter format) and report size and accuracy',
  builder: (y) => y
    .positional('checkpoint', { type: 'string', demandOption: true })
    .option('dtype', { type: 'string', default: 'uint8', describe: 'uint8 | uint16 | float16' })
    .option('include', { type: 'string', array: true })
    .option('exclude', { type: 'string', array: true })
    .option('data', { type: 'string', describe: 'labelled CSV/JSONL for accuracy' })
    .option('out', { type: 'string', demandOption: true })
    .option('force', { type: 'boolean', default: false }),
  handler: async (args) => {
    const result = await quantize(args.checkpoint as string, {
      dtype: args.dtype as WeightDtype, data: args.data, out: args.out, force: args.force,
      ...(args.include ? { include: args.include } : {}), ...(args.exclude ? { exclude: args.exclude } : {}),
    });
    console.log(`${result.table}\ncompression ratio ${result.compressionRatio.toFixed(2)}x\n${result.note}`);
  },
});
