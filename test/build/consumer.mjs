// The tiny computation every build check runs on the built package (dist/), in Node, Chromium and Deno.
// It only uses creation and views, which every shader family the build embeds is needed for (fill,
// random, map), so it checks packaging rather than op coverage; the ops are checked by the test suites.
export const expected = {
  transpose: [[1, 4], [2, 5], [3, 6]],
  arange: [0, 1, 2, 3],
};

/** Runs the computation; returns the results and a list of problems (empty when all is well). */
export async function run(wg) {
  const info = await wg.init();
  const problems = [];
  const t = wg.tensor([[1, 2, 3], [4, 5, 6]]);
  const transpose = await wg.views.transpose(t).toArray();
  const arange = await wg.arange(4).toArray();
  wg.manualSeed(7);
  const r = Array.from(await wg.randn([512]).data());
  const mean = r.reduce((s, v) => s + v, 0) / r.length;
  const std = Math.sqrt(r.reduce((s, v) => s + (v - mean) ** 2, 0) / r.length);
  if (JSON.stringify(transpose) !== JSON.stringify(expected.transpose)) problems.push(`transpose gave ${JSON.stringify(transpose)}`);
  if (JSON.stringify(arange) !== JSON.stringify(expected.arange)) problems.push(`arange gave ${JSON.stringify(arange)}`);
  if (!(Math.abs(mean) < 0.2 && Math.abs(std - 1) < 0.2)) problems.push(`randn moments are off: mean ${mean}, std ${std}`);
  return {
    runtime: info.runtime,
    adapter: info.adapter.description || info.adapter.vendor,
    software: info.software,
    note: info.note,
    transpose,
    arange,
    problems,
    readme: await readmeExample(wg),
    doctor: await runDoctor(wg, problems),
  };
}

/** The doctor must run in every runtime and return {ok, text}; its verdict on op families is reported only. */
async function runDoctor(wg, problems) {
  if (typeof wg.doctor !== 'function') {
    problems.push('wg.doctor is not exported');
    return null;
  }
  const r = await wg.doctor();
  if (typeof r?.ok !== 'boolean' || typeof r?.text !== 'string' || !r.text.includes('webgrad doctor')) problems.push(`wg.doctor() returned ${JSON.stringify(r)?.slice(0, 200)}`);
  return { ok: r?.ok, summary: r?.text?.trim().split('\n').pop() };
}

/**
 * The README's example, once every function it uses exists: {status: 'ok'|'failed'|'not-yet', detail}.
 * 'not-yet' lists what is missing; it is reported, not counted as a failure, since the test suites
 * already fail for missing ops.
 */
async function readmeExample(wg) {
  const a0 = wg.tensor([[1, 2], [3, 4]]);
  const missing = ['matmul', 'relu', 'sum'].filter((m) => typeof a0[m] !== 'function').map((m) => `Tensor.${m}`);
  if (typeof wg.stats !== 'function') missing.push('wg.stats');
  if (missing.length) return { status: 'not-yet', detail: `missing ${missing.join(', ')}` };
  try {
    const a = wg.tensor([[1, 2], [3, 4]]);
    const b = wg.randn([2, 3]);
    const c = a.matmul(b).relu().sum(1);
    const got = await c.toArray();
    const bv = Array.from(await b.data());
    const want = [0, 1].map((i) => [0, 1, 2].reduce((s, j) => s + Math.max(0, [1, 2, 3, 4][i * 2] * bv[j] + [1, 2, 3, 4][i * 2 + 1] * bv[3 + j]), 0));
    const ok = Array.isArray(got) && got.length === 2 && got.every((v, i) => Math.abs(v - want[i]) <= 1e-4 + 1e-4 * Math.abs(want[i]));
    const stats = wg.stats();
    if (!ok) return { status: 'failed', detail: `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}` };
    if (!stats || typeof stats !== 'object') return { status: 'failed', detail: `wg.stats() returned ${stats}` };
    return { status: 'ok', detail: JSON.stringify(got) };
  } catch (e) {
    return { status: 'failed', detail: e?.message ?? String(e) };
  }
}
