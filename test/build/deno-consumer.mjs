// Loads the built dist/index.js in Deno (run with --unstable-webgpu). Prints one `RESULT {...}` line.
import * as wg from '../../dist/index.js';
import { run } from './consumer.mjs';

const result = await run(wg);
console.log(`RESULT ${JSON.stringify(result)}`);
wg.destroy();
Deno.exit(0);
