// A TypeScript consumer of the published package: typechecked (never run) by test/build/check.mjs
// against dist/ with skipLibCheck false, strict, and the lib the README states, to prove the .d.ts
// files are self-sufficient (WebGPU's types come with the package).
import * as wg from 'webgrad';
import { nn, optim } from 'webgrad';

const info = await wg.init({ powerPreference: 'high-performance' });
const model = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 1));
const opt = new optim.Adam(model.parameters(), { lr: 1e-2, weightDecay: 0 });
const x: wg.Tensor = wg.tensor([[0, 1], [1, 0]]);
{
  using y = model(x);
  const loss = nn.F.mseLoss(y, wg.zeros([2, 1]), { reduction: 'mean' });
  loss.backward();
  opt.step();
  const text: string = await wg.format(loss, { precision: 2 });
  const buffer: GPUBuffer = loss.buffer;
  console.log(info.adapter, text, buffer.size, await loss.item());
}
// @ts-expect-error unknown options are compile errors for TypeScript consumers as well
new optim.SGD(model.parameters(), { weight_decay: 0.1 });
