// Buffers are recycled by size class so a training loop allocates nothing after its first step.
// The hazard: queue.writeBuffer runs at the *next* submit, before commands already encoded but not yet
// submitted. A buffer freed during the current batch may still be read by those commands, so it is
// parked until the batch is submitted and only then becomes available (see `onSubmit`).
import type { Stats } from './stats.ts';
import { fail } from './errors.ts';

export const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x4 /* COPY_SRC */ | 0x8; /* COPY_DST */

export function sizeClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 16) * 16);
  if (b <= 4096) return 1 << Math.ceil(Math.log2(b));
  // Above 4 KiB, quarter-octave classes waste at most 25%.
  const p = 1 << (Math.floor(Math.log2(b)) - 2);
  return Math.ceil(b / p) * p;
}

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private parked: GPUBuffer[] = [];
  private live = new Set<GPUBuffer>();

  private cap = Infinity;

  constructor(
    private device: GPUDevice,
    private stats: Stats,
    capBytes?: number,
  ) {
    if (capBytes !== undefined) this.setCap(capBytes);
  }

  /** Caps the bytes held idle (Infinity: no cap), destroying idle buffers beyond it at once. */
  setCap(bytes: number): void {
    if (!(bytes >= 0)) fail('setPoolCap', `the cap must be a number of bytes >= 0, got ${bytes}`, 'pass a byte count, or Infinity for no cap');
    this.cap = bytes;
    if (this.stats.pooledBytes <= bytes) return;
    // The largest go first: they free the most memory for the fewest future allocations.
    for (const size of [...this.free.keys()].sort((a, b) => b - a)) {
      const list = this.free.get(size)!;
      while (list.length && this.stats.pooledBytes > bytes) this.drop(list.pop()!);
      if (!list.length) this.free.delete(size);
    }
  }

  get capBytes(): number {
    return this.cap;
  }

  private drop(buf: GPUBuffer): void {
    buf.destroy();
    this.stats.pooledBuffers--;
    this.stats.pooledBytes -= buf.size;
  }

  acquire(bytes: number, label?: string): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    let buf = list?.pop();
    if (buf) {
      this.stats.poolHits++;
      this.stats.pooledBuffers--;
      this.stats.pooledBytes -= size;
    } else {
      this.stats.poolMisses++;
      buf = this.device.createBuffer({ size, usage: STORAGE_USAGE, label });
    }
    this.live.add(buf);
    this.stats.liveBuffers++;
    this.stats.liveBytes += size;
    return buf;
  }

  /** Gives a buffer back. It becomes reusable after the batch that may still read it is submitted. */
  release(buf: GPUBuffer): void {
    if (!this.live.delete(buf)) return;
    this.stats.liveBuffers--;
    this.stats.liveBytes -= buf.size;
    this.parked.push(buf);
  }

  onSubmit(): void {
    for (const buf of this.parked) {
      if (this.stats.pooledBytes + buf.size > this.cap) {
        buf.destroy();
        continue;
      }
      let list = this.free.get(buf.size);
      if (!list) this.free.set(buf.size, (list = []));
      list.push(buf);
      this.stats.pooledBuffers++;
      this.stats.pooledBytes += buf.size;
    }
    this.parked.length = 0;
  }

  /** Destroys every pooled (idle) buffer. Returns the bytes freed. */
  trim(): number {
    let bytes = 0;
    for (const list of this.free.values()) for (const b of list) (bytes += b.size, b.destroy());
    this.free.clear();
    this.stats.pooledBuffers = 0;
    this.stats.pooledBytes = 0;
    return bytes;
  }
}
