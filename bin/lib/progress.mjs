// Progress output for `webgrad train`, fed by the session's events: a cli-progress bar per epoch
// (samples/s, the last-read running loss, ETA) on a TTY, plain lines otherwise. After each epoch one
// line with train and test loss and accuracy and the seconds taken. `--json` sends all of it to stderr.
import cliProgress from 'cli-progress';

const pct = (v) => (v === undefined || Number.isNaN(v) ? '  -  ' : `${(100 * v).toFixed(1)}%`);
const num = (v, d = 4) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d));

export function epochLine(e) {
  const l = e.logs;
  const test = l['test/loss'] === undefined ? '' : `  test loss ${num(l['test/loss'])} acc ${pct(l['test/accuracy'])}`;
  return `epoch ${e.epoch + 1}/${e.epochs}  train loss ${num(l['train/loss'])} acc ${pct(l['train/accuracy'])}${test}  ${e.seconds.toFixed(1)} s`;
}

/** Returns an event handler writing to `stream`; `tty` picks the bar over plain lines. */
export function progress({ stream, tty = !!stream.isTTY, quiet = false }) {
  if (quiet) return () => {};
  let bar = null;
  let loss = NaN;
  const say = (s) => stream.write(s + '\n');
  return (ev) => {
    switch (ev.type) {
      case 'start':
        say(`webgrad train on ${ev.runtime}, ${ev.adapter}${ev.software ? ' (software)' : ''}: ${ev.parameters.toLocaleString('en-US')} parameters, ${ev.trainSize} train / ${ev.testSize} test samples`);
        break;
      case 'epochBegin':
        if (tty) {
          bar = new cliProgress.SingleBar(
            { stream, format: `epoch ${ev.epoch + 1}/${ev.epochs} {bar} {value}/{total} | {sps} samples/s | loss {loss} | ETA {eta_formatted}`, hideCursor: true, clearOnComplete: true, etaBuffer: 20 },
            cliProgress.Presets.shades_classic,
          );
          bar.start(ev.steps, 0, { sps: '-', loss: '-' });
        }
        break;
      case 'step':
        bar?.update(ev.step, { sps: ev.seconds > 0 ? Math.round(ev.samples / ev.seconds) : '-', loss: num(loss) });
        break;
      case 'log':
        loss = ev.logs['train/loss'];
        if (!tty) say(`  step ${ev.step}: loss ${num(loss)}`);
        break;
      case 'epochEnd':
        bar?.stop();
        bar = null;
        say(epochLine(ev));
        break;
    }
  };
}
