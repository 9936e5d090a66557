/**
 * The `tfdistill` bin entry (`bin/tfdistill.js` imports the compiled `dist/cli/index.js`): runs the command line
 * on `process.argv`. The CLI itself is {@link main} in `./main.ts`, importable without running it (the in-process
 * fuzz target calls it).
 */
import { main } from './main.js';

await main();
