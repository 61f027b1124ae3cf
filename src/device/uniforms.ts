// All dispatches of one batch share a single uniform buffer: each gets a 256-byte-aligned slot addressed
// by a dynamic offset, so bind groups do not depend on the slot and no buffer is created per dispatch.
// A slot is as long as what its kernel wrote (rounded to the 256-byte offset alignment), never shorter,
// so a parameter block longer than 256 bytes is not overwritten by the next dispatch.
// The CPU mirror is written to the GPU once, right before the batch is submitted.

export const UNIFORM_SLOT = 256;
/** The binding size of every kernel's uniform block; WGSL param structs must fit in it. */
export const UNIFORM_BINDING = 512;

export class UniformWriter {
  private i = 0;
  constructor(
    private view: DataView,
    private base: number,
  ) {}
  u32(v: number): this {
    this.view.setUint32(this.base + this.i, v >>> 0, true);
    this.i += 4;
    return this;
  }
  i32(v: number): this {
    this.view.setInt32(this.base + this.i, v | 0, true);
    this.i += 4;
    return this;
  }
  f32(v: number): this {
    this.view.setFloat32(this.base + this.i, v, true);
    this.i += 4;
    return this;
  }
  /** Writes `n` u32 values (padding with `fill`), as an `array<vec4<u32>, n/4>` expects. */
  u32s(values: readonly number[], n: number, fill = 0): this {
    for (let k = 0; k < n; k++) this.u32(k < values.length ? values[k]! : fill);
    return this;
  }
  get bytes(): number {
    return this.i;
  }
}

export class UniformArena {
  readonly buffer: GPUBuffer;
  private mirror: ArrayBuffer;
  private view: DataView;
  private used = 0;

  constructor(
    private device: GPUDevice,
    readonly capacity = 1 << 18,
  ) {
    this.buffer = device.createBuffer({ size: capacity, usage: 0x40 /* UNIFORM */ | 0x8 /* COPY_DST */, label: 'webgrad-uniforms' });
    this.mirror = new ArrayBuffer(capacity);
    this.view = new DataView(this.mirror);
  }

  /** True when another slot fits in this batch. */
  hasRoom(): boolean {
    return this.used + UNIFORM_BINDING <= this.capacity;
  }

  /** Claims a slot and fills it through `fill`; returns its dynamic offset. */
  slot(fill: (w: UniformWriter) => void): number {
    const offset = this.used;
    new Uint8Array(this.mirror, offset, UNIFORM_BINDING).fill(0);
    const w = new UniformWriter(this.view, offset);
    fill(w);
    if (w.bytes > UNIFORM_BINDING) throw new Error(`uniforms: a kernel wrote ${w.bytes} bytes of parameters, over the ${UNIFORM_BINDING}-byte binding`);
    this.used += Math.max(UNIFORM_SLOT, Math.ceil(w.bytes / UNIFORM_SLOT) * UNIFORM_SLOT);
    return offset;
  }

  /** Queues the used part for upload; call right before submit. Returns bytes written. */
  commit(): number {
    if (this.used === 0) return 0;
    const n = Math.min(this.capacity, this.used + UNIFORM_BINDING - UNIFORM_SLOT);
    this.device.queue.writeBuffer(this.buffer, 0, this.mirror, 0, n);
    this.used = 0;
    return n;
  }
}
