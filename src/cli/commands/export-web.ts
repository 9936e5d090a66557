import { useBackend } from '../../backend/use-backend.js';
import { exportWeb } from '../../web/export-web.js';
import { defineCommand } from '../command.js';
import { backendOption, modelPositional, outputOptions } from '../options.js';

/**
 * `tfdistill export-web student/ --out web/`: a static folder that runs the student in a browser, offline.
 *
 * @example
 * ```sh
 * tfdistill export-web student/ --out web/ --quantize float16
 * ```
 */
export const exportWebCommand = defineCommand({
  command: 'export-web <model>',
  describe: 'Export a classifier as a static web page (TF.js, no server-side code)',
  builder: (y) =>
    y
      .positional('model', modelPositional)
      .options(outputOptions('Folder for the static page'))
      .option('quantize', { choices: ['float16', 'uint8'] as const })
      .option('title', { type: 'string' })
      .options(backendOption)
      .example(
        '$0 export-web run/ --out web/ --quantize float16',
        'the student train wrote to run/; serve web/ with any static file server',
      ),
  handler: async (args) => {
    await useBackend(args.backend, { wasmThreads: args.threads });
    const r = await exportWeb(args.model, args.out, { quantize: args.quantize, title: args.title, force: args.force });
    console.log(
      `wrote ${r.files.length} files to ${r.outDir} (weights ${(r.weightBytes / 1024).toFixed(1)} KiB); serve the folder with any static file server`,
    );
  },
});
