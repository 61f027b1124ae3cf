// jax-js (@jax-js/jax) on its WebGPU device: `await init('webgpu')` then `defaultDevice('webgpu')`.
// jax-js arrays are reference-counted and every function consumes its array arguments, so inputs that
// are reused are passed as `x.ref`. Its arrays are lazy: `blockUntilReady` dispatches and waits.
import { ADAM } from '../workloads.mjs';

/** opts.jit: run each workload's computation through jax.jit (one traced, fused program per call). */
export function jaxEngine(jax, opts = {}) {
  const { numpy: np, nn, lax } = jax;
  const up = (x) => {
    const a = np.array(x.data, { shape: x.shape, dtype: x.data instanceof Int32Array ? np.int32 : np.float32 });
    if (a.device !== 'webgpu') throw new Error(`jax-js put an input on ${a.device}, not webgpu`);
    return a;
  };
  const f32 = async (a) => Float32Array.from(await a.ref.data());
  const jitted = [];
  const wrap = (f) => {
    if (!opts.jit) return f;
    const j = jax.jit(f);
    jitted.push(j);
    return j;
  };

  return {
    name: opts.jit ? 'jax-js-jit' : 'jax-js',
    async init() {
      const devices = await jax.init('webgpu');
      if (!devices.includes('webgpu')) throw new Error(`jax-js found no WebGPU device (devices: ${devices.join(', ') || 'none'})`);
      jax.defaultDevice('webgpu');
      const dev = jax.getWebGPUDevice?.();
      const ai = dev?.adapterInfo ?? {};
      return { version: null, backend: jax.defaultDevice(), jit: !!opts.jit, adapter: { vendor: ai.vendor, architecture: ai.architecture, description: ai.description } };
    },
    prepare(w, inp) {
      const p = w.params;
      const ins = [];
      const keep = (a) => (ins.push(a), a);
      // `fn` consumes its arguments (jax-js convention); run() hands it new references to the inputs.
      const pure = (fn, ...arrays) => {
        const f = wrap(fn);
        return () => f(...arrays.map((a) => a.ref));
      };
      let run;
      let extra = {};
      switch (w.kind) {
        case 'matmul':
          run = pure((a, b) => np.matmul(p.ta ? np.matrixTranspose(a) : a, p.tb ? np.matrixTranspose(b) : b), keep(up(inp.a)), keep(up(inp.b)));
          break;
        case 'elementwise':
          run = pure((x, y, z) => nn.relu(x.mul(y).add(z)), keep(up(inp.x)), keep(up(inp.y)), keep(up(inp.z)));
          break;
        case 'reduce':
          run = pure(p.axis === null ? (x) => x[p.op]() : (x) => x[p.op](p.axis), keep(up(inp.x)));
          break;
        case 'softmax':
          run = pure((x) => nn.softmax(x, -1), keep(up(inp.x)));
          break;
        case 'conv2d':
          // lax.conv takes NCHW input and OIHW filters, the same layout as the reference.
          run = pure((x, wt) => lax.conv(x, wt, [1, 1], [[p.pad, p.pad], [p.pad, p.pad]]), keep(up(inp.x)), keep(up(inp.w)));
          break;
        case 'dispatch':
          run = pure((a, b) => {
            let v = a;
            for (let i = 0; i < p.count; i++) v = v.add(i === p.count - 1 ? b : b.ref);
            return v;
          }, keep(up(inp.a)), keep(up(inp.b)));
          break;
        case 'mlp':
        case 'mlp-bn': {
          const bn = w.kind === 'mlp-bn';
          const x = keep(up(inp.x)), onehot = keep(up(inp.onehot));
          const mask = bn ? keep(up(inp.mask)) : null;
          let params = (bn ? [inp.w1, inp.b1, inp.gamma, inp.beta, inp.w2, inp.b2] : [inp.w1, inp.b1, inp.w2, inp.b2, inp.w3, inp.b3]).map(up);
          let m = params.map((q) => np.zeros(q.shape));
          let v = params.map((q) => np.zeros(q.shape));
          const mlpLoss = (ps, xb, yb) => {
            let h = xb;
            for (let l = 0; l < 3; l++) {
              h = np.matmul(h, ps[2 * l]).add(ps[2 * l + 1]);
              if (l < 2) h = nn.relu(h);
            }
            return yb.mul(nn.logSoftmax(h, -1)).sum().mul(-1 / p.B);
          };
          // Linear, batch norm from batch statistics (biased variance), ReLU, dropout by the given
          // mask / (1 - p), Linear; yb is [one-hot labels, mask].
          const bnLoss = (ps, xb, [yb, mb]) => {
            const z = np.matmul(xb, ps[0]).add(ps[1]);
            const mu = z.ref.mean(0);
            const zc = z.sub(mu);
            const va = zc.ref.mul(zc.ref).mean(0);
            const y = zc.div(np.sqrt(va.add(p.eps))).mul(ps[2]).add(ps[3]);
            const h = nn.relu(y).mul(mb).mul(1 / (1 - p.p));
            const logits = np.matmul(h, ps[4]).add(ps[5]);
            return yb.mul(nn.logSoftmax(logits, -1)).sum().mul(-1 / p.B);
          };
          const lossFn = bn ? bnLoss : mlpLoss;
          const vg = jax.valueAndGrad(lossFn);
          const { lr, beta1: b1, beta2: b2, eps } = ADAM;
          // One whole step as a pure function: (params, m, v, x, y, lr/(1-b1^t), 1/(1-b2^t)) -> new state.
          const step = wrap((ps, ms, vs, xb, yb, lrt, rbc2) => {
            const [loss, grads] = vg(ps.map((q) => q.ref), xb, yb);
            const out = { loss, ps: [], ms: [], vs: [] };
            for (let i = 0; i < ps.length; i++) {
              const g = grads[i];
              const mi = ms[i].mul(b1).add(g.ref.mul(1 - b1));
              const vi = vs[i].mul(b2).add(g.ref.mul(g).mul(1 - b2));
              const upd = mi.ref.mul(lrt.ref).div(np.sqrt(vi.ref.mul(rbc2.ref)).add(eps));
              out.ps.push(ps[i].sub(upd));
              out.ms.push(mi);
              out.vs.push(vi);
            }
            lrt.dispose();
            rbc2.dispose();
            return out;
          });
          let t = 0;
          run = () => {
            t++;
            const lrt = np.array([lr / (1 - b1 ** t)]).reshape([]);
            const rbc2 = np.array([1 / (1 - b2 ** t)]).reshape([]);
            const out = step(params, m, v, x.ref, bn ? [onehot.ref, mask.ref] : onehot.ref, lrt, rbc2);
            params = out.ps;
            m = out.ms;
            v = out.vs;
            return out.loss;
          };
          extra = {
            variant: `valueAndGrad over a params list, Adam written with jax-js ops${opts.jit ? ', whole step under jax.jit' : ' (eager)'}`,
            final: async () => f32(params[params.length - 1]),
            // The losses do not depend on the last step's update: wait for the parameters as well.
            pendingState: () => [params, m, v],
            free: () => [...params, ...m, ...v].forEach((a) => a.dispose()),
          };
          break;
        }
        case 'lenet': {
          // lax.conv (NCHW, OIHW) + relu, 2x2 max pools as a reshape and two maxes, dense layers and
          // Adam as in the MLP workload.
          const x = keep(up(inp.x)), onehot = keep(up(inp.onehot));
          const names = ['w1', 'b1', 'w2', 'b2', 'w3', 'b3', 'w4', 'b4'];
          let params = names.map((n) => up(inp[n]));
          let m = params.map((q) => np.zeros(q.shape));
          let v = params.map((q) => np.zeros(q.shape));
          const { B, C1, C2, D } = p;
          const pool = (h, C) => {
            const T = h.shape[2];
            return h.reshape([B, C, T / 2, 2, T / 2, 2]).max(5).max(3);
          };
          const lossFn = (ps, xb, yb) => {
            const [w1, b1, w2, b2, w3, b3, w4, b4] = ps;
            let h = pool(nn.relu(lax.conv(xb, w1, [1, 1], [[0, 0], [0, 0]]).add(b1.reshape([1, C1, 1, 1]))), C1);
            h = pool(nn.relu(lax.conv(h, w2, [1, 1], [[0, 0], [0, 0]]).add(b2.reshape([1, C2, 1, 1]))), C2);
            h = nn.relu(np.matmul(h.reshape([B, D]), w3).add(b3));
            h = np.matmul(h, w4).add(b4);
            return yb.mul(nn.logSoftmax(h, -1)).sum().mul(-1 / B);
          };
          const vg = jax.valueAndGrad(lossFn);
          const { lr, beta1: b1, beta2: b2, eps } = ADAM;
          const step = wrap((ps, ms, vs, xb, yb, lrt, rbc2) => {
            const [loss, grads] = vg(ps.map((q) => q.ref), xb, yb);
            const out = { loss, ps: [], ms: [], vs: [] };
            for (let i = 0; i < ps.length; i++) {
              const g = grads[i];
              const mi = ms[i].mul(b1).add(g.ref.mul(1 - b1));
              const vi = vs[i].mul(b2).add(g.ref.mul(g).mul(1 - b2));
              const upd = mi.ref.mul(lrt.ref).div(np.sqrt(vi.ref.mul(rbc2.ref)).add(eps));
              out.ps.push(ps[i].sub(upd));
              out.ms.push(mi);
              out.vs.push(vi);
            }
            lrt.dispose();
            rbc2.dispose();
            return out;
          });
          let t = 0;
          run = () => {
            t++;
            const lrt = np.array([lr / (1 - b1 ** t)]).reshape([]);
            const rbc2 = np.array([1 / (1 - b2 ** t)]).reshape([]);
            const out = step(params, m, v, x.ref, onehot.ref, lrt, rbc2);
            params = out.ps;
            m = out.ms;
            v = out.vs;
            return out.loss;
          };
          extra = {
            variant: `lax.conv + reshape/max pools, valueAndGrad, Adam written with jax-js ops${opts.jit ? ', whole step under jax.jit' : ' (eager)'}`,
            final: async () => f32(params[7]),
            pendingState: () => [params, m, v],
            free: () => [...params, ...m, ...v].forEach((a) => a.dispose()),
          };
          break;
        }
        default:
          throw new Error(`unknown workload kind ${w.kind}`);
      }
      return {
        run,
        read: async (h) => [await f32(h)],
        dispose: (h) => h.dispose(),
        variant: extra.variant ?? (opts.jit ? 'jax.jit' : undefined),
        final: extra.final,
        async sync(handles) {
          await jax.blockUntilReady(extra.pendingState ? [handles, extra.pendingState()] : handles);
        },
        free() {
          extra.free?.();
          for (const a of ins) a.dispose();
          for (const j of jitted.splice(0)) j.dispose();
        },
      };
    },
  };
}
