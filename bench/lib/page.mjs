// The page side of the browser benchmark: loads the three engines into one page and exposes the harness
// as window.__bench for bench/run.mjs (puppeteer) to drive step by step. ?engines=webgrad,tfjs,jax-js
// picks engines; ?size=smoke shrinks the workloads; ?fusion=0 turns webgrad's elementwise fusion off; ?sweep=quick|full serves the shape sweep instead.
import { createBench } from './harness.mjs';
import { webgradEngine } from './engines/webgrad.mjs';
import { tfjsEngine } from './engines/tfjs.mjs';
import { jaxEngine } from './engines/jax.mjs';

const q = new URLSearchParams(location.search);
const want = (q.get('engines') ?? 'webgrad,tfjs,jax-js').split(',');
const size = q.get('size') ?? 'full';
const sweep = q.get('sweep');

const engines = [];
const loadErrors = {};
async function load(name, f) {
  if (!want.includes(name)) return;
  try {
    engines.push(await f());
  } catch (e) {
    loadErrors[name] = String(e?.message ?? e);
    // a stand-in whose init() reports why the engine could not be loaded
    engines.push({ name, init: async () => { throw new Error(`could not be loaded: ${loadErrors[name]}`); }, prepare() {} });
  }
}
await load('webgrad', async () => webgradEngine(await import('/dist/index.js'), { fusion: q.get('fusion') !== '0' }));
await load('tfjs', async () => {
  if (window.__tfError) throw new Error(window.__tfError);
  if (!window.tf) throw new Error('the global tf is missing after loading tf.min.js');
  if (!window.tf.findBackendFactory?.('webgpu')) throw new Error('the webgpu backend did not register (navigator.gpu missing?)');
  return tfjsEngine(window.tf);
});
await load('jax-js', async () => jaxEngine(await import('@jax-js/jax')));
// Opt-in (--engines ...,jax-js-jit): the same jax-js calls, each workload's computation under jax.jit.
await load('jax-js-jit', async () => jaxEngine(await import('@jax-js/jax'), { jit: true }));

async function adapterInfo() {
  if (!navigator.gpu) return { error: 'navigator.gpu is missing' };
  const a = await navigator.gpu.requestAdapter();
  if (!a) return { error: 'requestAdapter() returned null' };
  const i = a.info ?? {};
  return {
    vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description,
    isFallbackAdapter: i.isFallbackAdapter ?? a.isFallbackAdapter,
    features: [...a.features].sort(),
    limits: Object.fromEntries(['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup'].map((k) => [k, a.limits[k]])),
  };
}

window.__bench = { ...createBench(engines, { size, sweep }), adapterInfo, loadErrors, userAgent: navigator.userAgent };
window.__ready = true;
