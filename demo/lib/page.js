// What every demo page shares: the header, WebGPU start-up with a plain message when it is missing,
// errors shown on the page, and the contract with the end-to-end test (test/e2e/run.mjs), which reads
// `window.__demo`: {status: 'starting'|'running'|'done'|'error'|'no-webgpu', webgpu, adapter, result}.
// A page calls `start(main)`; main receives {wg, info, quick} and calls `done(result)` when its default
// run has finished (it may keep running after that, e.g. waiting for the user).
import * as wg from 'webgrad';
import './style.css';

export { wg };

/** `?quick` asks for the short run the end-to-end test uses; pages whose default is already short ignore it. */
export const quick = new URLSearchParams(location.search).has('quick');
export const $ = (id) => document.getElementById(id);

const state = (window.__demo = { status: 'starting', webgpu: false, adapter: null, result: null, error: null });

function header() {
  const h = document.createElement('header');
  h.className = 'demo-header';
  h.innerHTML = `<a href="../index.html">← webgrad demos</a><span id="demo-adapter" class="adapter"></span>`;
  document.body.prepend(h);
  const status = document.createElement('p');
  status.id = 'demo-status';
  status.className = 'status';
  status.textContent = 'Starting WebGPU…';
  h.after(status);
}

const HOW = `WebGPU ships in Chrome and Edge 113+ (Windows, macOS, ChromeOS, Android), Safari 26 and
Firefox 141+ on Windows. On Linux, Chrome needs chrome://flags/#enable-unsafe-webgpu and
chrome://flags/#enable-vulkan turned on. Headless Chromium needs --enable-unsafe-webgpu (and
--use-webgpu-adapter=swiftshader on a machine without a GPU).`;

function noWebGPU(message) {
  state.status = 'no-webgpu';
  const box = document.createElement('div');
  box.className = 'no-webgpu';
  box.innerHTML = `<h2>This page needs WebGPU</h2><p></p><p class="how"></p>`;
  box.querySelector('p').textContent = message;
  box.querySelector('.how').textContent = HOW;
  $('demo-status').replaceWith(box);
  for (const c of document.querySelectorAll('main, .demo-body')) c.hidden = true;
}

/** Shows a line of progress under the header. */
export function status(text) {
  const el = $('demo-status');
  if (el) el.textContent = text;
}

export function showError(e) {
  state.status = 'error';
  state.error = String(e?.stack ?? e);
  const el = $('demo-status');
  if (el) {
    el.className = 'status error';
    el.textContent = `Error: ${e?.message ?? e}`;
  }
  console.error(e);
}

/** Merges fields into the result the end-to-end test reads, without marking the page done. */
export function report(fields) {
  state.result = { ...(state.result ?? {}), ...fields };
}

/** The default run has finished: its result is what the end-to-end test checks. */
export function done(fields = {}) {
  report(fields);
  state.status = 'done';
}

export async function start(main) {
  header();
  if (!('gpu' in navigator)) return noWebGPU('This browser does not expose WebGPU (navigator.gpu is missing).');
  let info;
  try {
    info = await wg.init();
  } catch (e) {
    return noWebGPU(e?.message ?? String(e));
  }
  state.webgpu = true;
  state.adapter = info.adapter ?? null;
  state.software = info.software;
  const a = info.adapter ?? {};
  $('demo-adapter').textContent = `WebGPU: ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' ') || 'adapter'}${info.software ? ' (software)' : ''}`;
  state.status = 'running';
  try {
    await main({ wg, info, quick });
  } catch (e) {
    showError(e);
  }
}
