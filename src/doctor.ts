// The doctor: what WebGPU this runtime gives webgrad, and whether each kernel family computes correctly
// on it. `npx webgrad doctor` (bin/webgrad.mjs) prints its text; in a page or in Deno call
// `await wg.doctor()`. Each family runs once on a small input and is compared with a float64 result
// computed here on the CPU; a family that throws or disagrees is 'FAIL'. `ok` is false when WebGPU is
// unavailable or any family fails. It uses the current device when there is one and never destroys it.
import * as A from './autograd/index.ts';
import { arange, device, hasDevice, init, rand, randint, randn, sameShape, scope, tensor, views, zeros, type Tensor } from './tensor/index.ts';

export interface DoctorResult {
  ok: boolean;
  text: string;
}

interface Family {
  name: string;
  run: () => Promise<string | void>;
}

// ---- tiny float64 references ----------------------------------------------------------------------

/** Deterministic values in [-1, 1), rounded to float32 so the GPU sees exactly the reference's inputs. */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround((s / 2 ** 32) * 2 - 1);
  });
}

function up(data: number[], shape: number[]): Tensor {
  return tensor(Float32Array.from(data), { shape });
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, rtol = 1e-4, atol = 1e-5): void {
  if (got.length !== want.length) throw new Error(`got ${got.length} values, want ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) throw new Error(`element ${i}: got ${g}, want ${w}`);
  }
}

function checkShape(t: Tensor, shape: number[], what: string): void {
  if (!sameShape(t.shape, shape)) throw new Error(`${what}: shape [${t.shape}], want [${shape}]`);
}

async function expect(t: Tensor, shape: number[], want: ArrayLike<number>, what: string, rtol?: number, atol?: number): Promise<void> {
  checkShape(t, shape, what);
  try {
    close(await t.data(), want, rtol, atol);
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  }
}

// ---- the families ---------------------------------------------------------------------------------

const families: Family[] = [
  {
    name: 'creation',
    run: async () => {
      const t = up([1, 2, 3, 4, 5, 6], [2, 3]);
      await expect(views.transpose(t), [3, 2], [1, 4, 2, 5, 3, 6], 'transpose');
      await expect(arange(5), [5], [0, 1, 2, 3, 4], 'arange');
      await expect(zeros([3]), [3], [0, 0, 0], 'zeros');
    },
  },
  {
    name: 'random',
    run: async () => {
      const n = 4096;
      const r = Array.from(await randn([n]).data());
      const mean = r.reduce((s, v) => s + v, 0) / n;
      const sd = Math.sqrt(r.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
      if (Math.abs(mean) > 0.08 || Math.abs(sd - 1) > 0.08) throw new Error(`randn: mean ${mean.toFixed(3)}, std ${sd.toFixed(3)}`);
      const u = Array.from(await rand([n]).data());
      if (u.some((v) => !(v >= 0 && v < 1))) throw new Error('rand: a value outside [0, 1)');
      const k = Array.from(await randint(-3, 4, [n]).data());
      if (k.some((v) => !(Number.isInteger(v) && v >= -3 && v < 4))) throw new Error('randint: a value outside [-3, 4)');
      return `randn mean ${mean.toFixed(3)} std ${sd.toFixed(3)}`;
    },
  },
  {
    name: 'elementwise',
    run: async () => {
      const a = values(12, 1);
      const b = values(4, 2);
      const sum = a.map((v, i) => v + b[i % 4]!);
      await expect(A.add(up(a, [3, 4]), up(b, [4])), [3, 4], sum, 'add (broadcast)');
      await expect(up(a, [3, 4]).exp(), [3, 4], a.map(Math.exp), 'exp', 1e-5, 1e-6);
      await expect(up(a, [3, 4]).relu(), [3, 4], a.map((v) => Math.max(v, 0)), 'relu', 0, 0);
    },
  },
  {
    name: 'reductions',
    run: async () => {
      const a = values(15, 3);
      const rows = [0, 1, 2].map((i) => a.slice(i * 5, i * 5 + 5));
      await expect(up(a, [3, 5]).sum(1), [3], rows.map((r) => r.reduce((s, v) => s + v, 0)), 'sum(1)');
      await expect(up(a, [3, 5]).max(1), [3], rows.map((r) => Math.max(...r)), 'max(1)', 0, 0);
      await expect(up(a, [3, 5]).sum(), [], [a.reduce((s, v) => s + v, 0)], 'sum()');
    },
  },
  {
    name: 'softmax',
    run: async () => {
      const a = values(14, 4).map((v) => Math.fround(v * 5));
      const want: number[] = [];
      for (let r = 0; r < 2; r++) {
        const row = a.slice(r * 7, r * 7 + 7);
        const m = Math.max(...row);
        const e = row.map((v) => Math.exp(v - m));
        const s = e.reduce((x, y) => x + y, 0);
        want.push(...e.map((v) => v / s));
      }
      const x = up(a, [2, 7]);
      await expect(A.softmax(x, -1), [2, 7], want, 'softmax(-1)', 1e-4, 1e-6);
    },
  },
  {
    name: 'matmul',
    run: async () => {
      const [m, k, n] = [9, 17, 5];
      const a = values(m * k, 5);
      const b = values(k * n, 6);
      const want = new Array(m * n).fill(0);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) want[i * n + j] += a[i * k + p]! * b[p * n + j]!;
      const x = up(a, [m, k]);
      const y = up(b, [k, n]);
      await expect(A.matmul(x, y), [m, n], want, `[${m},${k}] @ [${k},${n}]`);
    },
  },
  {
    name: 'conv2d',
    run: async () => {
      const [C, H, Wd, O, K] = [2, 5, 6, 3, 3];
      const x = values(C * H * Wd, 7);
      const w = values(O * C * K * K, 8);
      const bias = values(O, 9);
      const want: number[] = [];
      for (let o = 0; o < O; o++)
        for (let y = 0; y < H; y++)
          for (let z = 0; z < Wd; z++) {
            let acc = bias[o]!;
            for (let c = 0; c < C; c++)
              for (let ky = 0; ky < K; ky++)
                for (let kx = 0; kx < K; kx++) {
                  const iy = y - 1 + ky;
                  const ix = z - 1 + kx;
                  if (iy >= 0 && iy < H && ix >= 0 && ix < Wd) acc += x[(c * H + iy) * Wd + ix]! * w[((o * C + c) * K + ky) * K + kx]!;
                }
            want.push(acc);
          }
      const out = A.conv2d(up(x, [1, C, H, Wd]), up(w, [O, C, K, K]), { bias: up(bias, [O]), padding: 1 });
      await expect(out, [1, O, H, Wd], want, 'conv2d 3x3 padding 1 + bias');
    },
  },
  {
    name: 'pooling',
    run: async () => {
      const x = values(2 * 4 * 6, 10);
      const max: number[] = [];
      const avg: number[] = [];
      for (let c = 0; c < 2; c++)
        for (let y = 0; y < 2; y++)
          for (let z = 0; z < 3; z++) {
            const win = [0, 1].flatMap((dy) => [0, 1].map((dx) => x[(c * 4 + 2 * y + dy) * 6 + 2 * z + dx]!));
            max.push(Math.max(...win));
            avg.push(win.reduce((s, v) => s + v, 0) / 4);
          }
      await expect(A.maxPool2d(up(x, [1, 2, 4, 6]), 2), [1, 2, 2, 3], max, 'maxPool2d 2x2', 0, 0);
      await expect(A.avgPool2d(up(x, [1, 2, 4, 6]), 2), [1, 2, 2, 3], avg, 'avgPool2d 2x2');
    },
  },
  {
    name: 'indexing',
    run: async () => {
      const x = values(12, 11);
      const rows = tensor(Int32Array.of(2, 0, 2));
      const picked = [2, 0, 2].flatMap((r) => x.slice(r * 3, r * 3 + 3));
      await expect(A.indexSelect(up(x, [4, 3]), 0, rows), [3, 3], picked, 'indexSelect(x, 0, [2, 0, 2])', 0, 0);
      const idx = tensor(Int32Array.of(3, 0, 1, 1, 2, 0), { shape: [3, 2] });
      const gathered = [3, 0, 1, 1, 2, 0].map((c, i) => x[Math.floor(i / 2) * 4 + c]!);
      await expect(A.gather(up(x, [3, 4]), 1, idx), [3, 2], gathered, 'gather(x, 1, idx)', 0, 0);
    },
  },
];

// ---- the report -----------------------------------------------------------------------------------

function runtimeVersion(): string {
  const g = globalThis as { Deno?: { version?: { deno?: string } }; process?: { version?: string; versions?: { node?: string } }; navigator?: { userAgent?: string } };
  if (g.Deno?.version?.deno) return `Deno ${g.Deno.version.deno}`;
  if (g.process?.versions?.node) return `Node ${g.process.version}`;
  return g.navigator?.userAgent ?? 'unknown';
}

function bytes(n: number): string {
  if (n >= 2 ** 30 && n % 2 ** 30 === 0) return `${n / 2 ** 30} GiB`;
  if (n >= 2 ** 20) return `${+(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${+(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

const pad = (s: string, n: number) => (s.length >= n ? s + ' ' : s + ' '.repeat(n - s.length));

export async function doctor(): Promise<DoctorResult> {
  const lines: string[] = ['webgrad doctor', ''];
  let info: Awaited<ReturnType<typeof init>>;
  try {
    info = hasDevice() ? device('doctor').info : await init();
  } catch (e) {
    lines.push(`runtime      ${runtimeVersion()}`);
    lines.push(`WebGPU       unavailable`);
    lines.push('');
    lines.push((e as Error)?.message ?? String(e));
    return { ok: false, text: lines.join('\n') };
  }
  const a = info.adapter;
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  lines.push(`runtime      ${info.runtime} (${runtimeVersion()})`);
  lines.push(`adapter      ${a.description || '(no description)'}`);
  lines.push(`             vendor ${a.vendor || '?'}, architecture ${a.architecture || '?'}, device ${a.device || '?'}`);
  lines.push(`software     ${info.software ? 'yes: a CPU fallback, expect it to be much slower than a GPU' : 'no (hardware adapter)'}`);
  if (info.note) lines.push(`note         ${info.note}`);
  lines.push(`features     shader-f16 ${yes(info.features.shaderF16)}, timestamp-query ${yes(info.features.timestampQuery)}, subgroups ${yes(info.features.subgroups)}`);
  const L = info.limits;
  lines.push(`limits       maxBufferSize ${bytes(L.maxBufferSize)}, maxStorageBufferBindingSize ${bytes(L.maxStorageBufferBindingSize)}`);
  lines.push(`             maxComputeWorkgroupsPerDimension ${L.maxComputeWorkgroupsPerDimension}, maxComputeInvocationsPerWorkgroup ${L.maxComputeInvocationsPerWorkgroup}`);
  lines.push(`             maxComputeWorkgroupStorageSize ${bytes(L.maxComputeWorkgroupStorageSize)}, maxStorageBuffersPerShaderStage ${L.maxStorageBuffersPerShaderStage}`);
  lines.push('');
  lines.push(`${pad('family', 13)}${pad('result', 9)}${pad('ms', 9)}detail`);
  let passed = 0;
  let failed = 0;
  for (const f of families) {
    const t0 = performance.now();
    let result = 'pass';
    let detail = '';
    try {
      detail = (await scope(async () => (await f.run()) ?? '')) as string;
      passed++;
    } catch (e) {
      result = 'FAIL';
      failed++;
      detail = ((e as Error)?.message ?? String(e)).split('\n')[0]!;
    }
    const ms = (performance.now() - t0).toFixed(1);
    lines.push(`${pad(f.name, 13)}${pad(result, 9)}${pad(ms, 9)}${detail}`);
  }
  lines.push('');
  lines.push('ms: one run on a small input, including pipeline compilation and reading the result back.');
  const ok = failed === 0;
  lines.push(`${ok ? 'OK' : 'PROBLEMS'}: ${passed} passed, ${failed} failed`);
  return { ok, text: lines.join('\n') };
}
