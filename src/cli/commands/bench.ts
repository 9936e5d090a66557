import { useBackend } from '../../backend/use-backend.js';
import { benchmark } from '../../eval/benchmark.js';
import { compareBenchmarks, formatBenchmark, formatComparison } from '../../eval/format-benchmark.js';
import { defineCommand } from '../command.js';
import { backendOption, commaNumbers, modelPositional } from '../options.js';

/**
 * `tfdistill bench <model>`: latency percentiles and throughput per batch size, memory, parameters, size on disk;
 * `--compare other/` benchmarks a baseline too and prints both side by side.
 *
 * @example
 * ```sh
 * tfdistill bench student/ --compare teacher/ --batch-sizes 1,8,32 --json
 * ```
 */
export const benchCommand = defineCommand({
  command: 'bench <model>',
  describe: 'Benchmark inference latency, throughput and memory of a checkpoint',
  builder: (y) =>
    y
      .positional('model', modelPositional)
      .option('compare', { type: 'string', describe: 'baseline checkpoint (e.g. the teacher) to compare against' })
      .option('batch-sizes', {
        type: 'string',
        default: '1,8,32',
        describe: 'Comma-separated batch sizes, e.g. 1,8,32',
        coerce: commaNumbers,
      })
      .option('seq-len', { type: 'number', default: 128 })
      .option('warmup', { type: 'number', default: 5 })
      .option('runs', { type: 'number', default: 50 })
      .options(backendOption)
      .option('json', { type: 'boolean', default: false, describe: 'print JSON instead of tables' })
      .example('$0 bench run/ --compare t/', 'the student train wrote to run/ beside its teacher: latency, throughput, memory, size')
      .example('$0 bench run/ --batch-sizes 1,8,32 --seq-len 64 --backend wasm --json', 'one backend and sequence length, as JSON'),
  handler: async (args) => {
    await useBackend(args.backend, { wasmThreads: args.threads });
    const options = { batchSizes: args.batchSizes, seqLen: args.seqLen, warmup: args.warmup, runs: args.runs };
    const candidate = await benchmark(args.model, options);
    if (!args.compare) {
      console.log(args.json ? JSON.stringify(candidate, null, 2) : formatBenchmark(candidate));
      return;
    }
    const baseline = await benchmark(args.compare, options);
    const comparison = compareBenchmarks(baseline, candidate);
    console.log(
      args.json
        ? JSON.stringify(comparison, null, 2)
        : [formatBenchmark(baseline), '', formatBenchmark(candidate), '', formatComparison(comparison)].join('\n'),
    );
  },
});
