import { demoSettings, runDemo } from '../../demo/run-demo.js';
import { defineCommand } from '../command.js';
import { backendOption, forceOption, replicasOption } from '../options.js';

/** `tfdistill demo`: the main job on built-in real data, offline. */
export const demoCommand = defineCommand({
  command: 'demo',
  describe: 'Train a teacher on the built-in SpamAssassin emails, distill a student, compare them',
  builder: (y) =>
    y
      .options({
        out: { type: 'string', default: 'tfdistill-demo', describe: 'Where the teacher, the student and the reports go' },
        quick: { type: 'boolean', default: process.env.TFDISTILL_QUICK === '1', describe: 'Tiny settings (seconds; for tests)' },
        seed: { type: 'number', default: 42 },
        ...forceOption,
        ...backendOption,
        ...replicasOption,
      })
      .example('$0 demo', 'about 5-10 minutes on 2 CPU cores; prints the teacher vs student table')
      .example('$0 demo --force', 'run it again, replacing the previous demo in tfdistill-demo/'),
  handler: async (a) => {
    const { table, student } = await runDemo({
      out: a.out,
      settings: a.quick ? demoSettings.quick : demoSettings.full,
      seed: a.seed,
      backend: a.backend,
      threads: a.threads,
      replicas: a.replicas,
      force: a.force,
    });
    console.log(`\n${table}`);
    console.log(`\nstudent checkpoint: ${student.checkpointDir}\nreport: ${a.out}/report.html`);
  },
});
