// Scalar logging in one record format, {tag, step, wallTime, value}, written through a sink so the
// same callback writes scalars.jsonl / scalars.csv in Node and keeps records in memory (or feeds a
// dashboard) in a browser. wallTime is in seconds since the epoch, as TensorBoard's.
import { fail } from '../device/index.ts';
import type { Callback, Logs, TrainContext } from './callbacks.ts';
import { checkOptions } from './options.ts';

export interface ScalarRecord {
  tag: string;
  step: number;
  wallTime: number;
  value: number;
}

export interface ScalarSink {
  write(record: ScalarRecord): void | Promise<void>;
  close?(): void | Promise<void>;
}

export const CSV_HEADER = 'tag,step,wallTime,value\n';

/** One JSON line. Non-finite values become null (JSON has no NaN). */
export function toJsonl(r: ScalarRecord): string {
  return JSON.stringify({ tag: r.tag, step: r.step, wallTime: r.wallTime, value: Number.isFinite(r.value) ? r.value : null }) + '\n';
}

/** One CSV row; tags are quoted when they hold a comma or quote. */
export function toCsv(r: ScalarRecord): string {
  const tag = /[",\n]/.test(r.tag) ? `"${r.tag.replace(/"/g, '""')}"` : r.tag;
  return `${tag},${r.step},${r.wallTime},${r.value}\n`;
}

/** Parses scalars.jsonl text back into records. */
export function parseJsonl(text: string): ScalarRecord[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const o = JSON.parse(l);
      return { ...o, value: o.value === null ? NaN : o.value };
    });
}

/** Keeps the records in an array (browser dashboards, tests). */
export function memorySink(): ScalarSink & { records: ScalarRecord[] } {
  const records: ScalarRecord[] = [];
  return { records, write: (r) => void records.push(r) };
}

/**
 * Formats records as JSONL and CSV and hands the text to `append(file, text)`, e.g. fs.appendFileSync
 * on `${dir}/${file}` in Node. The CSV header goes out with the first record.
 */
export function textSink(append: (file: 'scalars.jsonl' | 'scalars.csv', text: string) => void | Promise<void>): ScalarSink {
  let started = false;
  return {
    async write(r) {
      if (!started) {
        started = true;
        await append('scalars.csv', CSV_HEADER);
      }
      await append('scalars.jsonl', toJsonl(r));
      await append('scalars.csv', toCsv(r));
    },
  };
}

export interface ScalarLoggerOptions {
  sink: ScalarSink;
  /** Only these tags (default all). */
  tags?: string[];
  /** The clock, in seconds (default Date.now() / 1000). */
  now?: () => number;
}

/**
 * Writes train/loss and lr at every log point, and the epoch's other values (train/accuracy, test/*)
 * at the epoch's last step, so every series shares one x axis: the optimizer step.
 */
export class ScalarLogger implements Callback {
  private readonly sink: ScalarSink;
  private readonly tags: Set<string> | null;
  private readonly now: () => number;
  /** Records written so far. */
  count = 0;

  constructor(opts: ScalarLoggerOptions) {
    checkOptions('ScalarLogger', opts, ['sink', 'tags', 'now']);
    if (!opts?.sink || typeof opts.sink.write !== 'function') fail('ScalarLogger', 'needs a sink with write(record)', 'pass memorySink(), or textSink(append) to write scalars.jsonl and scalars.csv');
    this.sink = opts.sink;
    this.tags = opts.tags ? new Set(opts.tags) : null;
    this.now = opts.now ?? (() => Date.now() / 1000);
  }

  private async emit(step: number, logs: Logs, skip: (tag: string) => boolean): Promise<void> {
    const wallTime = this.now();
    for (const [tag, value] of Object.entries(logs)) {
      if (skip(tag) || (this.tags && !this.tags.has(tag))) continue;
      await this.sink.write({ tag, step, wallTime, value });
      this.count++;
    }
  }

  async onLog(step: number, logs: Logs): Promise<void> {
    await this.emit(step, logs, () => false);
  }

  async onEpochEnd(_epoch: number, logs: Logs, ctx: TrainContext): Promise<void> {
    // train/loss and lr were already written at the log points, the last one at this very step.
    await this.emit(ctx.step, logs, (t) => t === 'train/loss' || t === 'lr');
  }

  async onTrainEnd(): Promise<void> {
    await this.sink.close?.();
  }
}
