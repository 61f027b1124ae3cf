// The README's training example, kept runnable: test/build/check.mjs runs it and compares it with
// the README's code block (everything after this header). Run: npm run build && node demo/train.mjs
import * as wg from 'webgrad';
const { nn, optim } = wg;
await wg.init();
wg.manualSeed(0);
const x = wg.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const y = wg.tensor([0, 1, 1, 0], { dtype: 'int32' });
const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 2));
const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
for (let step = 1; step <= 200; step++) {
  const loss = wg.tidy(() => {
    opt.zeroGrad();
    const l = nn.F.crossEntropy(model(x), y);
    l.backward();
    opt.step();
    return l.detach();
  });
  if (step % 50 === 0) console.log(`step ${step}: loss ${(await loss.item()).toFixed(4)}`);
  loss.dispose();
}
