// `webgrad train --runtime deno` runs this under `deno run --unstable-webgpu`: the same session as
// Node's, its events as `EVENT {json}` lines and the outcome as one `RESULT {json}` line on stdout.
import * as wg from '../../dist/index.js';
import { runTraining } from './session.mjs';

const cfg = JSON.parse(Deno.args[0]);
try {
  const r = await runTraining(wg, cfg, (e) => console.log(`EVENT ${JSON.stringify(e)}`));
  console.log(`RESULT ${JSON.stringify({ run: r.run, model: r.modelBase64() })}`);
  wg.destroy();
} catch (e) {
  console.log(`RESULT ${JSON.stringify({ error: String(e?.stack ?? e) })}`);
  Deno.exit(1);
}
