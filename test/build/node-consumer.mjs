// Imports the package by its own name, through package.json "exports" (Node's self-reference), as a user
// would. Prints one `RESULT {...}` line. With --destroy it calls wg.destroy() at the end; without, the
// parent checks that the process still exits by itself.
import * as wg from 'webgrad';
import { run } from './consumer.mjs';

const result = await run(wg);
result.resolved = import.meta.resolve('webgrad');
console.log(`RESULT ${JSON.stringify(result)}`);
if (process.argv.includes('--destroy')) wg.destroy();
