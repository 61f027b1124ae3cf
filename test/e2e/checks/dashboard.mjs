// Training dashboard: the default ?quick run (an MLP on a 3,000-digit subset, 2 epochs) learns, its
// curves are charted, a scalars.jsonl written by `webgrad train` loads through the file input, the regex
// filter hides runs, the CSV download holds the run's records, and the drawing pad classifies real test
// digits drawn onto it as the model does.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Made by `node bin/webgrad.mjs train --dataset synthetic --epochs 3 --limit 1024 --batch-size 32 --log-every 4`.
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/dashboard-synthetic-mlp.jsonl');
const FIXTURE_RUN = 'dashboard-synthetic-mlp';
// A second real run (--epochs 2 --limit 256), dropped onto the page.
const DROPPED = join(dirname(FIXTURE), 'dashboard-synthetic-small.jsonl');

const fail = (m) => {
  throw new Error(m);
};
const rises = (pts, what) => {
  if (!(pts?.length >= 2)) fail(`${what}: ${pts?.length ?? 0} points, expected at least 2`);
  if (!(pts.at(-1).value > pts[0].value)) fail(`${what} did not rise: ${pts[0].value} at step ${pts[0].step} → ${pts.at(-1).value} at step ${pts.at(-1).step}`);
};

async function visibleRows(page) {
  return page.$$eval('#runs tbody tr[data-run]', (trs) => trs.filter((t) => t.offsetParent !== null).map((t) => t.querySelector('td.name').textContent));
}

// The page redraws its charts on the next frame (or within 100 ms) after a change.
const settled = (page) => page.waitForFunction(() => !window.__dashboard.pending(), { timeout: 10_000, polling: 20 });

async function setFilter(page, text) {
  await page.$eval('#filter', (el) => (el.value = ''));
  if (text) await page.type('#filter', text);
  else await page.$eval('#filter', (el) => el.dispatchEvent(new Event('input')));
  await settled(page);
}

export default {
  query: '?quick',
  timeoutMs: 150_000,
  async check(r, page) {
    // 1. The default run learned.
    if (!/^mlp-lr[\d.]+-bs\d+ #1$/.test(r.run)) fail(`unexpected run name ${r.run}`);
    if (!(r.samples >= 2000 && r.samples <= 4000)) fail(`quick run used ${r.samples} train samples, expected a 2000-4000 subset`);
    const note = await page.$eval('#subset-note', (e) => e.textContent);
    if (!/subset/.test(note)) fail(`the page does not say it trains on a subset: "${note}"`);
    rises(r.testAccuracy, 'test accuracy');
    if (!(r.testAccuracy.length >= 5)) fail(`only ${r.testAccuracy.length} test accuracy points`);
    rises(r.trainAccuracy, 'train accuracy');
    if (!(r.trainLoss?.length >= 10 && r.trainLoss.at(-1).value < 0.6 * r.trainLoss[0].value)) fail(`train loss did not fall enough: ${JSON.stringify(r.trainLoss?.map((p) => +p.value.toFixed(3)))}`);
    if (!(r.finalTestAccuracy >= 0.8)) fail(`final test accuracy ${r.finalTestAccuracy} is below 0.8`);

    // 2. The charts show the run: one uPlot per tag, with the run's points.
    const plots = await page.$$eval('.grid .uplot canvas', (cs) => cs.length);
    if (plots < 5) fail(`${plots} chart canvases, expected 5`);
    let pts = await page.evaluate(() => window.__dashboard.chartPoints());
    const accPts = pts['test/accuracy']?.find((p) => p.run === r.run)?.points;
    if (accPts !== r.testAccuracy.length) fail(`test/accuracy chart has ${accPts} points of ${r.run}, the run has ${r.testAccuracy.length}`);

    // 3. A CLI run's scalars.jsonl loads through the file input.
    const fixture = readFileSync(FIXTURE, 'utf8');
    const lines = fixture.trim().split('\n');
    const input = await page.$('#file');
    await input.uploadFile(FIXTURE);
    await page.waitForFunction(() => window.__dashboard.runs().length === 2, { timeout: 15_000 });
    const loaded = (await page.evaluate(() => window.__dashboard.runs())).find((x) => x.source === 'file');
    if (loaded?.name !== FIXTURE_RUN || loaded.records !== lines.length) fail(`loaded run ${JSON.stringify(loaded)}, expected ${FIXTURE_RUN} with ${lines.length} records`);
    const shown = await page.evaluate(() => window.__demo.result.runsShown);
    if (shown !== 2) fail(`${shown} runs shown after loading the jsonl, expected 2`);
    await settled(page);
    pts = await page.evaluate(() => window.__dashboard.chartPoints());
    const fixtureAcc = lines.filter((l) => JSON.parse(l).tag === 'test/accuracy').length;
    if (pts['test/accuracy'].find((p) => p.run === FIXTURE_RUN)?.points !== fixtureAcc) fail(`the loaded run is not on the test/accuracy chart: ${JSON.stringify(pts['test/accuracy'])}`);

    // Drag-and-drop: a drop event carrying a second file.
    await page.evaluate((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'dashboard-synthetic-small.jsonl'));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, readFileSync(DROPPED, 'utf8'));
    await page.waitForFunction(() => window.__dashboard.runs().length === 3, { timeout: 15_000 });
    const dropped = (await page.evaluate(() => window.__dashboard.runs()))[2];
    const droppedLines = readFileSync(DROPPED, 'utf8').trim().split('\n').length;
    if (dropped.name !== 'dashboard-synthetic-small' || dropped.records !== droppedLines) fail(`dropped run ${JSON.stringify(dropped)}, expected ${droppedLines} records`);

    // 4. The regex filter hides runs that do not match (in the table and the charts).
    await setFilter(page, 'synth.*mlp');
    let rows = await visibleRows(page);
    pts = await page.evaluate(() => window.__dashboard.chartPoints());
    if (rows.length !== 1 || rows[0] !== FIXTURE_RUN || pts['train/loss'].length !== 1) fail(`filter 'synth.*mlp' shows rows ${JSON.stringify(rows)}, charts ${JSON.stringify(pts['train/loss'])}`);
    await setFilter(page, '^mlp.*#1$');
    rows = await visibleRows(page);
    if (rows.length !== 1 || rows[0] !== r.run) fail(`filter '^mlp.*#1$' shows ${JSON.stringify(rows)}`);
    await setFilter(page, '(');
    rows = await visibleRows(page);
    const bad = await page.$eval('#filter', (e) => e.classList.contains('bad'));
    if (rows.length !== 3 || !bad) fail(`an invalid regex should be marked and filter nothing: rows ${JSON.stringify(rows)}, marked ${bad}`);
    await setFilter(page, '');

    // 5. The CSV download of the loaded run holds its records, in the CLI's scalars.csv format.
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-dl-'));
    try {
      const cdp = await page.createCDPSession();
      await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir });
      await page.click('#runs tbody tr[data-run="1"] button[data-get="csv"]');
      let files = [];
      for (let i = 0; i < 100 && !(files = readdirSync(dir).filter((f) => f.endsWith('.csv'))).length; i++) await new Promise((res) => setTimeout(res, 100));
      if (files[0] !== `${FIXTURE_RUN}.csv`) fail(`download: got ${JSON.stringify(readdirSync(dir))}, expected ${FIXTURE_RUN}.csv`);
      const csv = readFileSync(join(dir, files[0]), 'utf8');
      const expected = 'tag,step,wallTime,value\n' + lines.map((l) => JSON.parse(l)).map((o) => `${o.tag},${o.step},${o.wallTime},${o.value ?? NaN}\n`).join('');
      if (csv !== expected) fail(`the CSV differs from the records:\n${csv.slice(0, 300)}\nexpected\n${expected.slice(0, 300)}`);
      const again = await page.evaluate((n) => window.__dashboard.jsonl(n), FIXTURE_RUN);
      if (again !== fixture) fail('the JSONL of the loaded run is not the file it came from');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // 6. The drawing pad: real test digits painted onto it and preprocessed as MNIST get the model's
    // own prediction for that digit, and an easy one (the first 0 or 1 the model gets right) its label.
    const N = 30;
    const pad = await page.evaluate(async (n) => {
      const d = window.__dashboard;
      const direct = await d.predictTest([...Array(n).keys()]);
      const out = [];
      for (let i = 0; i < n; i++) {
        const { pixels, label } = d.testDigit(i);
        d.drawDigit(pixels);
        out.push({ i, label, direct: direct[i], pad: (await d.classify()).pred });
      }
      return out;
    }, N);
    const agree = pad.filter((p) => p.pad === p.direct).length;
    if (agree < 0.8 * N) fail(`the pad agrees with the model's direct prediction on only ${agree} of ${N} test digits: ${JSON.stringify(pad)}`);
    const easy = pad.find((p) => (p.label === 0 || p.label === 1) && p.direct === p.label);
    if (!easy) fail(`no test 0 or 1 among the first ${N} that the model gets right`);
    const drawn = await page.evaluate(async (i) => {
      const d = window.__dashboard;
      d.drawDigit(d.testDigit(i).pixels);
      return (await d.classify()).pred;
    }, easy.i);
    if (drawn !== easy.label) fail(`test digit #${easy.i}, a ${easy.label}, drawn on the pad is classified as ${drawn}`);
    const padRight = pad.filter((p) => p.pad === p.label).length;

    // A stroke drawn with the mouse, a vertical line, reads as a 1.
    await page.click('#clear');
    const box = await (await page.$('#pad')).boundingBox();
    await page.mouse.move(box.x + box.width * 0.52, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let k = 1; k <= 12; k++) await page.mouse.move(box.x + box.width * (0.52 - 0.04 * (k / 12)), box.y + box.height * (0.15 + (0.7 * k) / 12));
    await page.mouse.up();
    await page.waitForFunction(() => /the model says/.test(document.getElementById('pred').textContent), { timeout: 10_000 });
    await new Promise((res) => setTimeout(res, 300));
    const stroke = await page.$eval('#pred', (e) => e.textContent);
    if (!/says 1 /.test(stroke)) fail(`a vertical stroke drawn on the pad: "${stroke}", expected a 1`);

    // 7. The smoothing slider and the x axis.
    const slide = async (v) => {
      await page.$eval('#smoothing', (e, v) => ((e.value = v), e.dispatchEvent(new Event('input'))), String(v));
      await settled(page);
      return (await page.evaluate(() => window.__dashboard.chartPoints()))['train/loss'].find((p) => p.run === r.run);
    };
    const raw = await slide(0);
    const heavy = await slide(0.95);
    if (!(raw.lastDrawn === raw.lastRaw && Math.abs(heavy.lastDrawn - heavy.lastRaw) > 1e-3)) fail(`smoothing: at 0 draws ${raw.lastDrawn} (raw ${raw.lastRaw}), at 0.95 ${heavy.lastDrawn}`);
    await slide(0.6);
    for (const [mode, label] of [['relative', 'relative time (s)'], ['wall', 'wall time'], ['step', 'step']]) {
      await page.select('#xmode', mode);
      await settled(page);
      const labels = Object.values(await page.evaluate(() => window.__dashboard.xLabels()));
      const n = (await page.evaluate(() => window.__dashboard.chartPoints()))['test/accuracy'].find((p) => p.run === r.run)?.points;
      if (!labels.every((l) => l === label) || n !== r.testAccuracy.length) fail(`x axis ${mode}: labels ${JSON.stringify(labels)}, ${n} points`);
    }

    // 8. Train adds a run #2 (the CNN); Stop ends it early.
    await page.select('#model', 'cnn');
    await page.$eval('#samples', (e) => (e.value = '1024'));
    await page.$eval('#epochs', (e) => (e.value = '3'));
    await page.click('#train');
    await page.waitForFunction(() => window.__dashboard.runs()[3]?.records > 4, { timeout: 60_000, polling: 100 });
    await page.click('#stop');
    await page.waitForFunction(() => /^stopped/.test(window.__dashboard.runs()[3].status), { timeout: 60_000, polling: 200 });
    const second = (await page.evaluate(() => window.__dashboard.runs()))[3];
    if (!/^cnn-lr0\.002-bs64 #2$/.test(second.name) || !(second.steps < 48)) fail(`Train + Stop: ${JSON.stringify(second)}, expected cnn-lr0.002-bs64 #2 stopped before step 48`);
    await settled(page);
    const cnnLoss = await page.evaluate(() => window.__dashboard.chartPoints()['test/loss'].at(-1));
    if (!(cnnLoss.points >= 2 && Number.isFinite(cnnLoss.lastRaw))) fail(`the CNN run has no test loss: ${JSON.stringify(cnnLoss)}`);

    const acc = r.testAccuracy;
    return `${r.run}: test accuracy ${acc[0].value.toFixed(2)} → ${r.finalTestAccuracy.toFixed(3)} in ${r.steps} steps (${r.seconds.toFixed(0)} s, longest task ${r.longestTaskMs} ms while training, ${r.longestTaskLoadingMs} ms while loading; ${JSON.stringify(r.longTasks)}); jsonl loaded (${lines.length} records), filter, CSV ok; pad: ${agree}/${N} agree with the model, ${padRight}/${N} right, #${easy.i} (${easy.label}) ok, a mouse stroke is a 1; smoothing, x axes ok; ${second.name} stopped at step ${second.steps}`;
  },
};
