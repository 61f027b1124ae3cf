// jax-js (@jax-js/jax) on its WebGPU device: `await init('webgpu')` then `defaultDevice('webgpu')`.
// jax-js arrays are reference-counted and every function consumes its array arguments, so inputs that
// are reused are passed as `x.ref`. Its arrays are lazy: `blockUntilReady` dispatches and waits.
import { ADAM } from '../workloads.mjs';

export function jaxEngine(jax) {
  const { numpy: np, nn, lax } = jax;
  const up = (x) => {
    const a = np.array(x.data, { shape: x.shape, dtype: x.data instanceof Int32Array ? np.int32 : np.float32 });
    if (a.device !== 'webgpu') throw new Error(`jax-js put an input on ${a.device}, not webgpu`);
    return a;
  };
  const f32 = async (a) => Float32Array.from(await a.ref.data());

  return {
    name: 'jax-js',
    async init() {
      const devices = await jax.init('webgpu');
      if (!devices.includes('webgpu')) throw new Error(`jax-js found no WebGPU device (devices: ${devices.join(', ') || 'none'})`);
      jax.defaultDevice('webgpu');
      const dev = jax.getWebGPUDevice?.();
      const ai = dev?.adapterInfo ?? {};
      return { version: null, backend: jax.defaultDevice(), adapter: { vendor: ai.vendor, architecture: ai.architecture, description: ai.description } };
    },
    prepare(w, inp) {
      const p = w.params;
      const ins = [];
      const keep = (a) => (ins.push(a), a);
      let run;
      let extra = {};
      switch (w.kind) {
        case 'matmul': {
          const a = keep(up(inp.a)), b = keep(up(inp.b));
          run = () => np.matmul(a.ref, b.ref);
          break;
        }
        case 'elementwise': {
          const x = keep(up(inp.x)), y = keep(up(inp.y)), z = keep(up(inp.z));
          run = () => nn.relu(x.ref.mul(y.ref).add(z.ref));
          break;
        }
        case 'reduce': {
          const x = keep(up(inp.x));
          run = p.axis === null ? () => x.ref[p.op]() : () => x.ref[p.op](p.axis);
          break;
        }
        case 'softmax': {
          const x = keep(up(inp.x));
          run = () => nn.softmax(x.ref, -1);
          break;
        }
        case 'conv2d': {
          // lax.conv takes NCHW input and OIHW filters, the same layout as the reference.
          const x = keep(up(inp.x)), wt = keep(up(inp.w));
          run = () => lax.conv(x.ref, wt.ref, [1, 1], [[p.pad, p.pad], [p.pad, p.pad]]);
          break;
        }
        case 'dispatch': {
          const a = keep(up(inp.a)), b = keep(up(inp.b));
          run = () => {
            let v = a.ref;
            for (let i = 0; i < p.count; i++) v = v.add(b.ref);
            return v;
          };
          break;
        }
        case 'mlp': {
          const x = keep(up(inp.x)), onehot = keep(up(inp.onehot));
          let params = [inp.w1, inp.b1, inp.w2, inp.b2, inp.w3, inp.b3].map(up);
          let m = params.map((q) => np.zeros(q.shape));
          let v = params.map((q) => np.zeros(q.shape));
          const lossFn = (ps, xb, yb) => {
            let h = xb;
            for (let l = 0; l < 3; l++) {
              h = np.matmul(h, ps[2 * l]).add(ps[2 * l + 1]);
              if (l < 2) h = nn.relu(h);
            }
            return yb.mul(nn.logSoftmax(h, -1)).sum().mul(-1 / p.B);
          };
          const vg = jax.valueAndGrad(lossFn);
          const { lr, beta1: b1, beta2: b2, eps } = ADAM;
          let t = 0;
          run = () => {
            const [loss, grads] = vg(params.map((q) => q.ref), x.ref, onehot.ref);
            t++;
            const bc1 = 1 - b1 ** t, bc2 = 1 - b2 ** t;
            for (let i = 0; i < params.length; i++) {
              const g = grads[i];
              m[i] = m[i].mul(b1).add(g.ref.mul(1 - b1));
              v[i] = v[i].mul(b2).add(g.ref.mul(g).mul(1 - b2));
              const upd = m[i].ref.mul(lr / bc1).div(np.sqrt(v[i].ref.mul(1 / bc2)).add(eps));
              params[i] = params[i].sub(upd);
            }
            return loss;
          };
          extra = {
            variant: 'valueAndGrad over a params list, Adam written with jax-js ops (eager)',
            final: async () => f32(params[5]),
            // The losses do not depend on the last step's update: wait for the parameters as well.
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
        variant: extra.variant,
        final: extra.final,
        async sync(handles) {
          await jax.blockUntilReady(extra.pendingState ? [handles, extra.pendingState()] : handles);
        },
        free() {
          extra.free?.();
          for (const a of ins) a.dispose();
        },
      };
    },
  };
}
