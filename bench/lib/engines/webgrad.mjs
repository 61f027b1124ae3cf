// webgrad, driven through its public API only. `wg` is the module (dist/index.js) in whatever runtime.
// An op that is missing from the API makes its workloads report "not implemented yet" instead of failing.
import { ADAM } from '../workloads.mjs';

export class NotImplemented extends Error {}

const has = (obj, path) => path.split('.').every((k) => obj != null && (obj = obj[k]) != null);

/** opts.fusion false turns webgrad's lazy elementwise fusion off (wg.setFusion), for A/B measurements. */
export function webgradEngine(wg, opts = {}) {
  let T; // the Tensor class
  const need = (cond, what) => {
    if (!cond) throw new NotImplemented(`webgrad: not implemented yet (${what})`);
  };
  const method = (name) => typeof T?.prototype?.[name] === 'function';
  const up = (x, extra = {}) => wg.tensor(x.data, { shape: x.shape, dtype: x.data instanceof Int32Array ? 'int32' : 'float32', ...extra });
  const f32 = async (t) => Float32Array.from(await t.data());

  return {
    name: 'webgrad',
    async init() {
      const info = await wg.init();
      T = wg.Tensor;
      if (opts.fusion === false) {
        if (typeof wg.setFusion !== 'function') throw new Error('fusion cannot be turned off: wg.setFusion is missing');
        wg.setFusion(false);
      }
      return {
        version: wg.version ?? null,
        backend: 'webgpu',
        runtime: info?.runtime,
        adapter: info?.adapter ?? null,
        software: info?.software ?? null,
        note: info?.note || undefined,
        fusion: typeof wg.fusionEnabled === 'function' ? wg.fusionEnabled() : undefined,
      };
    },
    /** Dispatch counter, for the per-run kernel counts in the results. */
    dispatches: () => (typeof wg.stats === 'function' ? wg.stats().dispatches : undefined),

    prepare(w, inp) {
      const p = w.params;
      const ins = [];
      const keepIn = (t) => (ins.push(t), t);
      let run;
      let read = async (h) => [await f32(h)];
      let dispose = (h) => h.dispose();
      let state = null;
      switch (w.kind) {
        case 'matmul': {
          need(method('matmul') || typeof wg.matmul === 'function', 'matmul');
          const a = keepIn(up(inp.a)), b = keepIn(up(inp.b));
          // Transposed operands (the sweep's) are views: the product reads them in place.
          const ta = p.ta ? () => a.transpose(-2, -1) : () => a, tb = p.tb ? () => b.transpose(-2, -1) : () => b;
          run = p.ta || p.tb ? () => wg.tidy(() => ta().matmul(tb())) : () => (method('matmul') ? a.matmul(b) : wg.matmul(a, b));
          break;
        }
        case 'elementwise': {
          need(method('mul') && method('add') && method('relu'), 'mul/add/relu');
          const x = keepIn(up(inp.x)), y = keepIn(up(inp.y)), z = keepIn(up(inp.z));
          run = () => wg.tidy(() => x.mul(y).add(z).relu());
          break;
        }
        case 'reduce': {
          need(method(p.op), p.op);
          const x = keepIn(up(inp.x));
          run = p.axis === null ? () => x[p.op]() : () => x[p.op](p.axis);
          break;
        }
        case 'softmax': {
          need(method('softmax') || typeof wg.softmax === 'function', 'softmax');
          const x = keepIn(up(inp.x));
          run = method('softmax') ? () => x.softmax(-1) : () => wg.softmax(x, -1);
          break;
        }
        case 'copy': {
          // clone() allocates a new buffer and runs the plain copy kernel into it; contiguous() of a
          // contiguous tensor is only a view of the input's storage and would move nothing.
          need(method('clone'), 'clone');
          const x = keepIn(up(inp.x));
          run = () => x.clone();
          state = { variant: 'clone()' };
          break;
        }
        case 'conv2d': {
          const conv = wg.conv2d ?? wg.nn?.functional?.conv2d;
          need(typeof conv === 'function', 'conv2d');
          const x = keepIn(up(inp.x)), wt = keepIn(up(inp.w));
          run = () => conv(x, wt, { padding: p.pad });
          break;
        }
        case 'dispatch': {
          need(method('add'), 'add');
          const a = keepIn(up(inp.a)), b = keepIn(up(inp.b));
          run = () => {
            let x = a;
            for (let i = 0; i < p.count; i++) {
              const next = x.add(b);
              if (x !== a) x.dispose();
              x = next;
            }
            return x;
          };
          break;
        }
        case 'mlp': {
          need(has(wg, 'optim.Adam'), 'optim.Adam');
          need(method('matmul') || has(wg, 'nn.Linear'), 'matmul');
          const ce = wg.nn?.functional?.crossEntropy;
          need(typeof ce === 'function' || method('logSoftmax'), 'nn.functional.crossEntropy');
          const x = keepIn(up(inp.x));
          const labels = keepIn(up(inp.labels));
          const onehot = keepIn(up(inp.onehot));
          let forward, params, variant, dispose_ = () => {};
          if (has(wg, 'nn.Linear') && has(wg, 'nn.Sequential') && has(wg, 'nn.ReLU')) {
            // The idiomatic model: Sequential(Linear, ReLU, Linear, ReLU, Linear), weights [out, in].
            const { Linear, ReLU, Sequential } = wg.nn;
            const model = new Sequential(new Linear(p.I, p.H), new ReLU(), new Linear(p.H, p.H), new ReLU(), new Linear(p.H, p.O));
            const named = model.namedParameters();
            const src = [inp.w1, inp.b1, inp.w2, inp.b2, inp.w3, inp.b3];
            if (named.length !== 6) throw new Error(`nn.Sequential of 3 Linear layers has ${named.length} parameters, expected 6`);
            const state = {};
            named.forEach(([name, t], i) => {
              const s = src[i];
              if (s.shape.length === 2) {
                const [fi, fo] = s.shape; // ours: [in, out]
                if (t.shape[0] !== fo || t.shape[1] !== fi) throw new Error(`${name} has shape [${t.shape}], expected [${fo},${fi}]`);
                const tr = new Float32Array(fi * fo);
                for (let k = 0; k < fi; k++) for (let j = 0; j < fo; j++) tr[j * fi + k] = s.data[k * fo + j];
                state[name] = wg.tensor(tr, { shape: [fo, fi] });
              } else state[name] = up(s);
            });
            model.loadStateDict(state);
            for (const t of Object.values(state)) t.dispose();
            forward = (xb) => model(xb);
            params = model.parameters();
            variant = 'nn.Sequential(Linear, ReLU, …), nn.functional.crossEntropy, optim.Adam';
            dispose_ = () => model.dispose();
          } else {
            const ws = [inp.w1, inp.b1, inp.w2, inp.b2, inp.w3, inp.b3].map((s) => up(s, { requiresGrad: true }));
            forward = (xb) => {
              let h = xb;
              for (let l = 0; l < 3; l++) {
                h = h.matmul(ws[2 * l]).add(ws[2 * l + 1]);
                if (l < 2) h = h.relu();
              }
              return h;
            };
            params = ws;
            variant = 'matmul/add/relu with requiresGrad tensors, optim.Adam';
            dispose_ = () => ws.forEach((t) => t.dispose());
          }
          const opt = new wg.optim.Adam(params, { lr: ADAM.lr, betas: [ADAM.beta1, ADAM.beta2], eps: ADAM.eps });
          const loss = (logits) =>
            typeof ce === 'function' ? ce(logits, labels) : logits.logSoftmax(-1).mul(onehot).sum().mul(-1 / p.B);
          // One step in a scope of its own: everything but the loss, the parameters and the optimizer
          // state is freed (as webgrad's own training tests do it).
          run = () =>
            wg.tidy(() => {
              opt.zeroGrad();
              const out = loss(forward(x));
              out.backward();
              opt.step();
              return out;
            });
          read = async (h) => [await f32(h)];
          state = {
            variant,
            // After the check's steps: the last layer's bias, as the reference reports it.
            async final() {
              const b = params[params.length - 1];
              return f32(b);
            },
            free() {
              opt.dispose?.();
              dispose_();
            },
          };
          break;
        }
        case 'mlp-bn': {
          // The functional forms: batch norm (x - mean(0)) / sqrt(var(0) + eps) * gamma + beta from
          // the batch statistics (biased variance), dropout as mul by the mask / (1 - p).
          need(has(wg, 'optim.Adam') && method('var') && method('sqrt'), 'optim.Adam, var, sqrt');
          const ce = wg.nn?.functional?.crossEntropy;
          const x = keepIn(up(inp.x)), labels = keepIn(up(inp.labels)), onehot = keepIn(up(inp.onehot)), mask = keepIn(up(inp.mask));
          const ws = [inp.w1, inp.b1, inp.gamma, inp.beta, inp.w2, inp.b2].map((s) => up(s, { requiresGrad: true }));
          const [w1, b1, gamma, beta, w2, b2] = ws;
          const opt = new wg.optim.Adam(ws, { lr: ADAM.lr, betas: [ADAM.beta1, ADAM.beta2], eps: ADAM.eps });
          const forward = () => {
            const z = x.matmul(w1).add(b1);
            const y = z.sub(z.mean(0)).div(z.var(0, { correction: 0 }).add(p.eps).sqrt()).mul(gamma).add(beta);
            return y.relu().mul(mask).mul(1 / (1 - p.p)).matmul(w2).add(b2);
          };
          const loss = (logits) => (typeof ce === 'function' ? ce(logits, labels) : logits.logSoftmax(-1).mul(onehot).sum().mul(-1 / p.B));
          run = () =>
            wg.tidy(() => {
              opt.zeroGrad();
              const out = loss(forward());
              out.backward();
              opt.step();
              return out;
            });
          state = {
            variant: 'functional batch norm (mean/var over the batch) and dropout mask, optim.Adam',
            final: async () => f32(b2),
            free() {
              opt.dispose?.();
              ws.forEach((t) => t.dispose());
            },
          };
          break;
        }
        case 'lenet': {
          // LeNet as an nn.Sequential of the conv and pooling layers; weights loaded by state dict
          // (conv weights OIHW as stored, dense weights transposed to [out, in]).
          need(has(wg, 'nn.Conv2d') && has(wg, 'nn.MaxPool2d') && has(wg, 'optim.Adam'), 'nn.Conv2d / nn.MaxPool2d');
          const { Conv2d, ReLU, MaxPool2d, Flatten, Linear, Sequential } = wg.nn;
          const model = new Sequential(
            new Conv2d(1, p.C1, p.k), new ReLU(), new MaxPool2d(2),
            new Conv2d(p.C1, p.C2, p.k), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(p.D, p.F1), new ReLU(), new Linear(p.F1, p.O),
          );
          const src = { '0.weight': inp.w1, '0.bias': inp.b1, '3.weight': inp.w2, '3.bias': inp.b2, '7.weight': inp.w3, '7.bias': inp.b3, '9.weight': inp.w4, '9.bias': inp.b4 };
          const sd = {};
          for (const [name, s] of Object.entries(src)) {
            if (name.startsWith('7.weight') || name.startsWith('9.weight')) {
              const [fi, fo] = s.shape;
              const tr = new Float32Array(fi * fo);
              for (let k = 0; k < fi; k++) for (let j = 0; j < fo; j++) tr[j * fi + k] = s.data[k * fo + j];
              sd[name] = wg.tensor(tr, { shape: [fo, fi] });
            } else sd[name] = up(s);
          }
          model.loadStateDict(sd);
          for (const t of Object.values(sd)) t.dispose();
          const x = keepIn(up(inp.x));
          const labels = keepIn(up(inp.labels));
          const params = model.parameters();
          const opt = new wg.optim.Adam(params, { lr: ADAM.lr, betas: [ADAM.beta1, ADAM.beta2], eps: ADAM.eps });
          run = () =>
            wg.tidy(() => {
              opt.zeroGrad();
              const out = wg.nn.functional.crossEntropy(model(x), labels);
              out.backward();
              opt.step();
              return out;
            });
          state = {
            variant: 'nn.Sequential(Conv2d, ReLU, MaxPool2d, …, Linear), nn.functional.crossEntropy, optim.Adam',
            final: async () => f32(params[params.length - 1]),
            free() {
              opt.dispose?.();
              model.dispose();
            },
          };
          break;
        }
        case 'lstm': {
          need(has(wg, 'nn.LSTM') && has(wg, 'nn.Linear') && has(wg, 'optim.Adam'), 'nn.LSTM');
          const x = keepIn(up(inp.x));
          const labels = keepIn(up(inp.labels));
          const lstm = new wg.nn.LSTM(p.I, p.H, { batchFirst: true, bias: false });
          const head = new wg.nn.Linear(p.H, p.O);
          const tr = new Float32Array(p.H * p.O); // the head is stored [H, O]; Linear keeps [O, H]
          for (let k = 0; k < p.H; k++) for (let o = 0; o < p.O; o++) tr[o * p.H + k] = inp.wo.data[k * p.O + o];
          const sd = { weight_ih_l0: up(inp.wih), weight_hh_l0: up(inp.whh) };
          const hd = { weight: wg.tensor(tr, { shape: [p.O, p.H] }), bias: up(inp.bo) };
          lstm.loadStateDict(sd);
          head.loadStateDict(hd);
          [...Object.values(sd), ...Object.values(hd)].forEach((t) => t.dispose());
          const opt = new wg.optim.Adam([...lstm.parameters(), ...head.parameters()], { lr: ADAM.lr, betas: [ADAM.beta1, ADAM.beta2], eps: ADAM.eps });
          run = () =>
            wg.tidy(() => {
              opt.zeroGrad();
              const [, [hN]] = lstm(x);
              const out = wg.nn.functional.crossEntropy(head(hN.reshape([p.N, p.H])), labels);
              out.backward();
              opt.step();
              return out;
            });
          state = {
            variant: 'nn.LSTM(batchFirst, no bias) + nn.Linear, nn.functional.crossEntropy, optim.Adam',
            final: async () => f32(head.bias),
            free() {
              opt.dispose();
              lstm.dispose();
              head.dispose();
            },
          };
          break;
        }
        default:
          throw new Error(`unknown workload kind ${w.kind}`);
      }
      return {
        run,
        read,
        dispose,
        variant: state?.variant,
        final: state?.final,
        async sync() {
          await wg.sync();
        },
        free() {
          state?.free?.();
          for (const t of ins) t.dispose();
        },
      };
    },
  };
}
