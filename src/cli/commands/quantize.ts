import { useBackend } from '../../backend/use-backend.js';
import { defineCommand } from '../command.js';
import { backendOption, compressModelPositional, outputOptions } from '../options.js';
import { quantize } from '../../compress/quantize.js';
import type { WeightDtype } from '../../compress/quant-math.js';

/**
 * `tfdistill quantize <model> --dtype uint8|uint16|float16|int8 --out q/ [--include 'block_*'] [--exclude 'embeddings*']
 * [--data val.csv [--calibration calib.csv] [--percentile 99.9] [--no-int8-activations]]`.
 *
 * @example
 * ```sh
 * tfdistill quantize runs/student --dtype uint8 --data val.csv --out runs/student-uint8
 * ```
 */
export const quantizeCommand = defineCommand({
  command: 'quantize <model>',
  describe:
    'Store weights as uint8/uint16/float16 (tensorflowjs_converter format), or as int8 run by int8 kernels, and report size, accuracy and latency',
  builder: (y) =>
    y
      .positional('model', compressModelPositional)
      .option('dtype', {
        type: 'string',
        default: 'uint8',
        describe: 'uint8 | uint16 | float16 (decoded to float32 on load) | int8 (encoder dense kernels computed in int8)',
      })
      .option('compute', { type: 'string', choices: ['int8'], describe: 'with --dtype int8: int8 compute (the default there)' })
      .option('include', { type: 'string', array: true })
      .option('exclude', { type: 'string', array: true })
      .option('data', { type: 'string', describe: 'labelled CSV/JSONL for accuracy' })
      .option('int8-activations', {
        type: 'boolean',
        default: true,
        describe: 'with --data and a float dtype: also report accuracy with int8 activations (simulated; TF.js computes in float32)',
      })
      .option('calibration', { type: 'string', describe: 'CSV/JSONL for activation calibration (default: --data)' })
      .option('percentile', { type: 'number', default: 99.9, describe: 'activation range percentile in (50, 100]; 100 = min/max' })
      .options(outputOptions('Folder for the quantized checkpoint'))
      .options(backendOption)
      .example('$0 quantize run/ --dtype uint8 --data val.csv --out q/', 'the student train wrote to run/, with accuracy before and after')
      .example('$0 quantize run/ --dtype int8 --data val.csv --out q8/', 'int8 weights and int8 compute: smaller and faster on wasm')
      .example('$0 quantize layers-model/ --dtype float16 --out q16/', 'any TF.js layers model; a tokenizer is needed only with --data'),
  handler: async (args) => {
    await useBackend(args.backend, { wasmThreads: args.threads });
    const result = await quantize(args.model, {
      dtype: args.dtype as WeightDtype | 'int8',
      ...(args.compute ? { compute: args.compute as 'int8' } : {}),
      data: args.data,
      out: args.out,
      force: args.force,
      activations: args.int8Activations ? { percentile: args.percentile, calibration: args.calibration } : false,
      ...(args.include ? { include: args.include } : {}),
      ...(args.exclude ? { exclude: args.exclude } : {}),
    });
    console.log(`${result.table}\ncompression ratio ${result.compressionRatio.toFixed(2)}x\n${result.note}`);
  },
});
