// TensorFlow.js 4.22 on its WebGPU backend (@tensorflow/tfjs-backend-webgpu), from the UMD bundles the
// page loads as classic scripts (global `tf`). Work stays on the GPU: WEBGPU_CPU_FORWARD is turned off so
// that small ops are not handed to the CPU backend.
import { ADAM } from '../workloads.mjs';

export function tfjsEngine(tf) {
  const up = (x) => tf.tensor(x.data, x.shape, x.data instanceof Int32Array ? 'int32' : 'float32');
  const f32 = async (t) => Float32Array.from(await t.data());
  let backend;

  return {
    name: 'tfjs',
    async init() {
      tf.env().set('WEBGPU_CPU_FORWARD', false);
      const ok = await tf.setBackend('webgpu');
      if (!ok || tf.getBackend() !== 'webgpu') throw new Error(`tf.setBackend('webgpu') failed (backend is ${tf.getBackend()})`);
      await tf.ready();
      backend = tf.backend();
      const ai = backend.adapterInfo ?? {};
      return { version: tf.version?.tfjs ?? tf.version_core, backend: tf.getBackend(), adapter: { vendor: ai.vendor, architecture: ai.architecture } };
    },
    prepare(w, inp) {
      const p = w.params;
      const ins = [];
      const keep = (t) => (ins.push(t), t);
      let run;
      let read = async (h) => [await f32(h)];
      let extra = {};
      switch (w.kind) {
        case 'matmul': {
          const a = keep(up(inp.a)), b = keep(up(inp.b));
          run = () => tf.matMul(a, b, !!p.ta, !!p.tb);
          break;
        }
        case 'elementwise': {
          const x = keep(up(inp.x)), y = keep(up(inp.y)), z = keep(up(inp.z));
          run = () => tf.tidy(() => tf.relu(tf.add(tf.mul(x, y), z)));
          break;
        }
        case 'reduce': {
          const x = keep(up(inp.x));
          const f = { sum: tf.sum, max: tf.max, mean: tf.mean }[p.op];
          run = p.axis === null ? () => f(x) : () => f(x, p.axis);
          read = async (h) => [await f32(h)];
          break;
        }
        case 'softmax': {
          const x = keep(up(inp.x));
          run = () => tf.softmax(x, -1);
          break;
        }
        case 'conv2d': {
          // TF.js convolves NHWC with HWIO filters (its NCHW path is CPU-only), so the same numbers are
          // handed over in those layouts and the output is transposed back to NCHW for the check.
          const x = keep(tf.tidy(() => tf.transpose(up(inp.x), [0, 2, 3, 1])));
          const wt = keep(tf.tidy(() => tf.transpose(up(inp.w), [2, 3, 1, 0])));
          run = () => tf.conv2d(x, wt, 1, p.pad === 1 && p.k === 3 ? 'same' : [[0, 0], [p.pad, p.pad], [p.pad, p.pad], [0, 0]]);
          read = async (h) => {
            const nchw = tf.transpose(h, [0, 3, 1, 2]);
            try {
              return [await f32(nchw)];
            } finally {
              nchw.dispose();
            }
          };
          extra.variant = 'NHWC input, HWIO filter (TF.js layout)';
          break;
        }
        case 'dispatch': {
          const a = keep(up(inp.a)), b = keep(up(inp.b));
          run = () =>
            tf.tidy(() => {
              let x = a;
              for (let i = 0; i < p.count; i++) x = tf.add(x, b);
              return x;
            });
          break;
        }
        case 'mlp-bn': {
          // Linear, batch norm from batch statistics (tf.moments: biased variance), ReLU, dropout by
          // the given mask / (1 - p), Linear, mean cross-entropy; Adam through optimizer.minimize.
          const x = keep(up(inp.x)), onehot = keep(up(inp.onehot)), mask = keep(up(inp.mask));
          const vars = [inp.w1, inp.b1, inp.gamma, inp.beta, inp.w2, inp.b2].map((s) => tf.variable(up(s)));
          const opt = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps);
          const lossFn = () => {
            const z = tf.add(tf.matMul(x, vars[0]), vars[1]);
            const { mean, variance } = tf.moments(z, 0);
            const y = tf.add(tf.mul(tf.div(tf.sub(z, mean), tf.sqrt(tf.add(variance, p.eps))), vars[2]), vars[3]);
            const h = tf.div(tf.mul(tf.relu(y), mask), 1 - p.p);
            const logits = tf.add(tf.matMul(h, vars[4]), vars[5]);
            return tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits, -1)))).div(p.B);
          };
          run = () => opt.minimize(lossFn, true, vars);
          extra = {
            variant: 'tf.variable weights, tf.moments, optimizer.minimize (tf.train.adam)',
            final: async () => f32(vars[5]),
            free: () => {
              opt.dispose();
              vars.forEach((v) => v.dispose());
            },
          };
          break;
        }
        case 'mlp': {
          const x = keep(up(inp.x)), onehot = keep(up(inp.onehot));
          const vars = [inp.w1, inp.b1, inp.w2, inp.b2, inp.w3, inp.b3].map((s) => tf.variable(up(s)));
          const opt = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps);
          const lossFn = () => {
            let h = x;
            for (let l = 0; l < 3; l++) {
              h = tf.add(tf.matMul(h, vars[2 * l]), vars[2 * l + 1]);
              if (l < 2) h = tf.relu(h);
            }
            return tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(h, -1)))).div(p.B);
          };
          run = () => opt.minimize(lossFn, true, vars);
          extra = {
            variant: 'tf.variable weights, optimizer.minimize (tf.train.adam)',
            final: async () => f32(vars[5]),
            free: () => {
              opt.dispose();
              vars.forEach((v) => v.dispose());
            },
          };
          break;
        }
        case 'lenet': {
          // The layers API: tf.sequential of conv2d/maxPooling2d/flatten/dense layers (NHWC, HWIO
          // kernels), trained by optimizer.minimize over the model's variables (what model.fit does,
          // without its per-batch loss readback). The first dense kernel's rows are permuted from the
          // NCHW flatten order of the stored weights to TF.js's NHWC order.
          const { C1, C2, k, S, F1, O, D } = p;
          const U2 = Math.sqrt(D / C2);
          const model = tf.sequential({
            layers: [
              tf.layers.conv2d({ inputShape: [S, S, 1], filters: C1, kernelSize: k, activation: 'relu' }),
              tf.layers.maxPooling2d({ poolSize: 2 }),
              tf.layers.conv2d({ filters: C2, kernelSize: k, activation: 'relu' }),
              tf.layers.maxPooling2d({ poolSize: 2 }),
              tf.layers.flatten(),
              tf.layers.dense({ units: F1, activation: 'relu' }),
              tf.layers.dense({ units: O }),
            ],
          });
          const w3 = new Float32Array(D * F1);
          for (let c = 0; c < C2; c++)
            for (let y = 0; y < U2; y++)
              for (let z = 0; z < U2; z++)
                for (let j = 0; j < F1; j++) w3[((y * U2 + z) * C2 + c) * F1 + j] = inp.w3.data[((c * U2 + y) * U2 + z) * F1 + j];
          const set = (i, ws) => {
            model.layers[i].setWeights(ws);
            ws.forEach((t) => t.dispose());
          };
          set(0, [tf.tidy(() => tf.transpose(up(inp.w1), [2, 3, 1, 0])), up(inp.b1)]);
          set(2, [tf.tidy(() => tf.transpose(up(inp.w2), [2, 3, 1, 0])), up(inp.b2)]);
          set(5, [tf.tensor(w3, [D, F1]), up(inp.b3)]);
          set(6, [up(inp.w4), up(inp.b4)]);
          const x = keep(tf.tidy(() => tf.transpose(up(inp.x), [0, 2, 3, 1])));
          const onehot = keep(up(inp.onehot));
          const vars = model.trainableWeights.map((v) => v.read());
          const opt = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps);
          const lossFn = () => tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(model.apply(x, { training: true }), -1)))).div(p.B);
          run = () => opt.minimize(lossFn, true, vars);
          extra = {
            variant: 'tf.sequential (layers API: conv2d, maxPooling2d, dense), optimizer.minimize (tf.train.adam)',
            final: async () => f32(vars[vars.length - 1]),
            free: () => {
              opt.dispose();
              model.dispose();
            },
          };
          break;
        }
        case 'lstm': {
          // The layers API: tf.layers.lstm (sigmoid gates as PyTorch, not its default hardSigmoid) and a
          // dense head, weights set from the shared inputs (TF.js keeps kernels [in, 4H], gates i, f, c, o).
          const x = keep(up(inp.x));
          const onehot = keep(tf.oneHot(tf.tensor1d(inp.labels.data, 'int32'), p.O).toFloat());
          const model = tf.sequential();
          model.add(tf.layers.lstm({ units: p.H, inputShape: [p.L, p.I], useBias: false, recurrentActivation: 'sigmoid', returnSequences: false }));
          model.add(tf.layers.dense({ units: p.O }));
          const t2 = (a, rows, cols) => tf.tidy(() => tf.transpose(tf.tensor2d(a.data, [rows, cols])));
          const kernel = t2(inp.wih, 4 * p.H, p.I), rec = t2(inp.whh, 4 * p.H, p.H), wo = up(inp.wo), bo = up(inp.bo);
          model.layers[0].setWeights([kernel, rec]);
          model.layers[1].setWeights([wo, bo]);
          [kernel, rec, wo, bo].forEach((t) => t.dispose());
          const vars = model.trainableWeights.map((v) => v.val);
          const opt = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps);
          const lossFn = () => tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(model.apply(x, { training: true }), -1)))).div(p.N);
          run = () => opt.minimize(lossFn, true, vars);
          extra = {
            variant: 'tf.layers.lstm + tf.layers.dense (sequential), optimizer.minimize (tf.train.adam)',
            final: async () => f32(vars[vars.length - 1]),
            free: () => {
              opt.dispose();
              model.dispose();
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
        dispose: (h) => h.dispose(),
        variant: extra.variant,
        final: extra.final,
        async sync() {
          // TF.js records dispatches into an open compute pass and submits every 15: end the pass and
          // submit what is left (as its own readback path does), then wait for the queue.
          if (backend.commandEncoder) {
            backend.endComputePassEncoder();
            backend.submitQueue();
          }
          await backend.device.queue.onSubmittedWorkDone();
        },
        free() {
          extra.free?.();
          for (const t of ins) t.dispose();
        },
      };
    },
  };
}
