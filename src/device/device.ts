// One Device wraps one GPUDevice: it records dispatches into a shared command encoder, submits them in
// batches, and is the only place that moves bytes between CPU and GPU, so every crossing is counted.
import { acquireAdapter, type InitOptions, type RuntimeName } from './runtime.ts';
import { BufferPool } from './pool.ts';
import { PipelineCache, type Kernel, type KernelSpec } from './pipelines.ts';
import { UniformArena, UNIFORM_BINDING, type UniformWriter } from './uniforms.ts';
import { emptyStats, type Stats } from './stats.ts';
import { WebGradError, fail, shapeStr } from './errors.ts';

export interface DeviceInfo {
  runtime: RuntimeName;
  software: boolean;
  note: string;
  adapter: { vendor: string; architecture: string; device: string; description: string };
  features: { shaderF16: boolean; timestampQuery: boolean; subgroups: boolean; all: string[] };
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupsPerDimension: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxStorageBuffersPerShaderStage: number;
  };
}

const WANTED_FEATURES = ['shader-f16', 'timestamp-query', 'subgroups'] as const;

export class Device {
  readonly stats: Stats = emptyStats();
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  readonly kernelCounts = new Map<string, number>();
  private uniforms: UniformArena;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pending = 0;
  private fatal: Error | null = null;
  private deferred: Error | null = null;
  private bindGroups = new Map<string, GPUBindGroup>();
  private bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;
  private staging: GPUBuffer[] = [];
  private capturing: KernelSpec[] | null = null;
  /**
   * Runs before each dispatch with the buffers it writes: the tensor layer realizes deferred (fused)
   * work that reads them, so an in-place write cannot overtake a pending read. Re-entrant calls, from
   * the dispatches the hook itself makes, are skipped.
   */
  beforeWork: ((written: readonly GPUBuffer[]) => void) | null = null;
  private inHook = false;
  batchSize: number;

  /** Dawn for Node tears the whole GPU down when its instance is garbage-collected, so we hold it. */
  private instance: GPU | null;

  private constructor(
    readonly gpu: GPUDevice,
    instance: GPU,
    readonly info: DeviceInfo,
    opts: InitOptions,
  ) {
    this.instance = instance;
    this.batchSize = opts.batchSize ?? 256;
    this.pool = new BufferPool(gpu, this.stats, opts.poolCapBytes);
    this.pipelines = new PipelineCache(gpu, this.stats, (e) => (this.deferred ??= e));
    this.uniforms = new UniformArena(gpu);
    gpu.lost.then((l) => {
      if (l.reason !== 'destroyed' || !this.fatal) this.fatal = new Error(`the GPU device was lost (${l.reason}: ${l.message})`);
    });
    const onError = (ev: any) => {
      this.deferred ??= new WebGradError('gpu', `an uncaptured GPU error occurred: ${ev.error?.message ?? ev}`);
    };
    if (typeof (gpu as any).addEventListener === 'function') gpu.addEventListener('uncapturederror', onError);
    else (gpu as any).onuncapturederror = onError;
  }

  static async create(opts: InitOptions = {}): Promise<Device> {
    const acq = await acquireAdapter(opts);
    const a = acq.adapter;
    const features = WANTED_FEATURES.filter((f) => a.features.has(f));
    const L = a.limits;
    const gpu = await a.requestDevice({
      requiredFeatures: features as GPUFeatureName[],
      requiredLimits: {
        maxBufferSize: L.maxBufferSize,
        maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
        maxComputeWorkgroupStorageSize: L.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: L.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: L.maxComputeWorkgroupSizeX,
        maxStorageBuffersPerShaderStage: L.maxStorageBuffersPerShaderStage,
      },
    });
    const ai: any = a.info ?? {};
    const dl = gpu.limits;
    const info: DeviceInfo = {
      runtime: acq.runtime,
      software: acq.software,
      note: acq.note,
      adapter: { vendor: ai.vendor ?? '', architecture: ai.architecture ?? '', device: ai.device ?? '', description: ai.description ?? '' },
      features: {
        shaderF16: gpu.features.has('shader-f16'),
        timestampQuery: gpu.features.has('timestamp-query'),
        subgroups: gpu.features.has('subgroups'),
        all: [...a.features].sort(),
      },
      limits: {
        maxBufferSize: dl.maxBufferSize,
        maxStorageBufferBindingSize: dl.maxStorageBufferBindingSize,
        maxComputeWorkgroupsPerDimension: dl.maxComputeWorkgroupsPerDimension,
        maxComputeWorkgroupStorageSize: dl.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: dl.maxComputeInvocationsPerWorkgroup,
        maxStorageBuffersPerShaderStage: dl.maxStorageBuffersPerShaderStage,
      },
    };
    return new Device(gpu, acq.gpu, info, opts);
  }

  /** Whether the device was lost or destroyed; a lost device never comes back, `wg.init()` makes a new one. */
  get lost(): boolean {
    return this.fatal !== null;
  }

  /** Why the device was lost, or null while it is usable. */
  get lostReason(): string | null {
    return this.fatal?.message ?? null;
  }

  /** Throws the error a lost device or an earlier asynchronous failure left behind, naming `op`. */
  check(op: string): void {
    if (this.fatal) throw new WebGradError(op, this.fatal.message, 'call wg.init() again for a new device; tensors of the lost device cannot be read');
    if (this.deferred) {
      let e = this.deferred;
      this.deferred = null;
      // Using a pipeline that failed to compile is reported first as "Invalid ComputePipeline"; the
      // compile error itself, with its line, is the useful message.
      const name = /Invalid ComputePipeline "([^"]+)"/.exec(e.message)?.[1];
      e = (name && this.pipelines.compileErrors.get(name)) || e;
      throw e;
    }
  }

  /** Allocates storage for `bytes`, refusing sizes the device cannot bind before any GPU work. */
  allocate(bytes: number, op: string, shape: readonly number[]): GPUBuffer {
    this.check(op);
    const lim = Math.min(this.info.limits.maxStorageBufferBindingSize, this.info.limits.maxBufferSize);
    if (bytes > lim)
      fail(op, `a tensor of shape ${shapeStr(shape)} needs ${bytes} bytes, over this device's limit of ${lim} bytes per buffer`, 'split the work into smaller tensors');
    return this.pool.acquire(Math.max(bytes, 4), op);
  }

  release(buffer: GPUBuffer): void {
    this.pool.release(buffer);
  }

  upload(buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    this.check('upload');
    this.gpu.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
    this.stats.uploads++;
    this.stats.uploadBytes += data.byteLength;
  }

  private idOf(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) this.bufferIds.set(b, (id = this.nextBufferId++));
    return id;
  }

  private bindGroup(k: Kernel, buffers: GPUBuffer[]): GPUBindGroup {
    let key = k.layoutKey;
    for (const b of buffers) key += ',' + this.idOf(b);
    let bg = this.bindGroups.get(key);
    if (bg) {
      this.stats.bindGroupHits++;
      return bg;
    }
    this.stats.bindGroupMisses++;
    if (this.bindGroups.size > 4096) this.bindGroups.clear();
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.uniforms.buffer, size: UNIFORM_BINDING } }];
    buffers.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer } }));
    bg = this.gpu.createBindGroup({ layout: k.layout, entries });
    this.bindGroups.set(key, bg);
    return bg;
  }

  kernel(spec: KernelSpec): Kernel {
    return this.pipelines.get(spec);
  }

  /**
   * Records one dispatch. `fill` packs the kernel's uniforms; `buffers` are the reads then the writes,
   * in binding order. Submits on its own every `batchSize` dispatches.
   */
  dispatch(spec: KernelSpec, fill: (w: UniformWriter) => void, buffers: GPUBuffer[], groups: readonly [number, number?, number?]): void {
    this.check(spec.name);
    this.runHook(buffers.slice(buffers.length - spec.writes));
    if (this.capturing) return void this.capturing.push(spec);
    const k = this.pipelines.get(spec);
    if (!this.uniforms.hasRoom()) this.flush();
    const offset = this.uniforms.slot(fill);
    if (!this.pass) {
      this.encoder ??= this.gpu.createCommandEncoder();
      this.pass = this.encoder.beginComputePass();
    }
    this.pass.setPipeline(k.pipeline);
    this.pass.setBindGroup(0, this.bindGroup(k, buffers), [offset]);
    this.pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
    this.stats.dispatches++;
    this.kernelCounts.set(spec.name, (this.kernelCounts.get(spec.name) ?? 0) + 1);
    if (++this.pending >= this.batchSize) this.flush();
  }

  /**
   * Runs `fn` recording the kernels it would dispatch instead of dispatching them, so they can be
   * compiled ahead of time. Results computed inside are garbage; `fn` must dispose them.
   */
  captureKernels(fn: () => void): KernelSpec[] {
    if (this.capturing) throw new WebGradError('precompile', 'already capturing kernels', 'do not nest precompile()');
    this.flush();
    this.capturing = [];
    try {
      fn();
      return this.capturing;
    } finally {
      this.capturing = null;
    }
  }

  /** Splits `n` workgroups over x and y so that no dimension passes the 65,535 limit. */
  grid(n: number): [number, number] {
    const max = this.info.limits.maxComputeWorkgroupsPerDimension;
    if (n <= max) return [Math.max(n, 1), 1];
    const y = Math.ceil(n / max);
    return [Math.ceil(n / y), y];
  }

  private endPass(): GPUCommandEncoder {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    return (this.encoder ??= this.gpu.createCommandEncoder());
  }

  private runHook(written: readonly GPUBuffer[]): void {
    if (!this.beforeWork || this.inHook) return;
    this.inHook = true;
    try {
      this.beforeWork(written);
    } finally {
      this.inHook = false;
    }
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (!this.encoder) return;
    const enc = this.endPass();
    this.encoder = null;
    this.pending = 0;
    // Uniform traffic is not a tensor upload, so it stays out of `uploads`.
    this.uniforms.commit();
    this.gpu.queue.submit([enc.finish()]);
    this.stats.submits++;
    this.pool.onSubmit();
  }

  /** Copies `bytes` from `buffer` to the CPU. The only path from GPU memory to JavaScript. */
  async read(buffer: GPUBuffer, byteOffset: number, bytes: number, op = 'read'): Promise<ArrayBuffer> {
    this.check(op);
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    const idx = this.staging.findIndex((s) => s.size >= size && s.size <= size * 4);
    const staging = idx >= 0 ? this.staging.splice(idx, 1)[0]! : this.gpu.createBuffer({ size, usage: 0x1 /* MAP_READ */ | 0x8 /* COPY_DST */ });
    const enc = this.endPass();
    enc.copyBufferToBuffer(buffer, byteOffset, staging, 0, size);
    this.flush();
    this.stats.readbacks++;
    this.stats.readbackBytes += bytes;
    try {
      await staging.mapAsync(0x1 /* READ */, 0, size);
    } catch (e) {
      await this.pipelines.settle();
      this.check(op);
      throw new WebGradError(op, `reading ${bytes} bytes back from the GPU failed: ${(e as Error).message}`);
    }
    const out = staging.getMappedRange(0, size).slice(0, bytes);
    staging.unmap();
    if (this.staging.length < 8) this.staging.push(staging);
    else staging.destroy();
    if (this.deferred) await this.pipelines.settle();
    this.check(op);
    return out;
  }

  /**
   * Runs `code` once, outside the batch and in its own error scope, and reads back its output: for
   * one-time checks of behaviour the WebGPU spec leaves to the device (subgroup layouts), made at
   * init, never inside an op. Binding 0 is a uniform buffer holding inputs[0], bindings 1.. are
   * read-only storage holding the other inputs, and the last binding is the `outBytes` output.
   * Resolves null when the device rejects the shader. Counted in stats like any upload and readback.
   */
  async probe(label: string, code: string, inputs: ArrayBufferView[], outBytes: number): Promise<ArrayBuffer | null> {
    this.check(label);
    const made: GPUBuffer[] = [];
    const make = (usage: number, data: ArrayBufferView | null, size: number) => {
      const buf = this.gpu.createBuffer({ size: Math.max(16, Math.ceil(size / 16) * 16), usage, label });
      made.push(buf);
      if (data) {
        this.gpu.queue.writeBuffer(buf, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
        this.stats.uploads++;
        this.stats.uploadBytes += data.byteLength;
      }
      return buf;
    };
    const out = make(0x80 /* STORAGE */ | 0x4 /* COPY_SRC */, null, outBytes);
    const staging = make(0x1 /* MAP_READ */ | 0x8 /* COPY_DST */, null, outBytes);
    this.gpu.pushErrorScope('validation');
    let thrown = false;
    try {
      const module = this.gpu.createShaderModule({ code, label });
      const pipeline = this.gpu.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      const bound = inputs.map((d, i) => make(i === 0 ? 0x40 /* UNIFORM */ | 0x8 : 0x80 | 0x8, d, d.byteLength));
      const bind = this.gpu.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [...bound, out].map((buffer, binding) => ({ binding, resource: { buffer } })),
      });
      const enc = this.gpu.createCommandEncoder({ label });
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(1);
      pass.end();
      enc.copyBufferToBuffer(out, 0, staging, 0, staging.size);
      this.gpu.queue.submit([enc.finish()]);
      this.stats.submits++;
    } catch {
      thrown = true;
    }
    try {
      if ((await this.gpu.popErrorScope().catch(() => 'lost')) || thrown) return null;
      await staging.mapAsync(0x1 /* READ */);
      this.stats.readbacks++;
      this.stats.readbackBytes += outBytes;
      const result = staging.getMappedRange(0, outBytes).slice(0);
      staging.unmap();
      return result;
    } catch {
      return null;
    } finally {
      for (const buf of made) buf.destroy();
    }
  }

  /** Resolves once all submitted work has finished on the GPU. */
  async sync(): Promise<void> {
    this.flush();
    await this.gpu.queue.onSubmittedWorkDone();
    this.check('sync');
  }

  /**
   * Submits the recorded work, so that the buffers released during it become idle, and destroys every
   * idle pooled buffer. Returns the bytes freed. Destroying a buffer that submitted work still reads is
   * allowed by WebGPU: the memory goes once that work is done.
   */
  emptyCache(): number {
    if (this.fatal) return 0;
    this.flush();
    // Nothing is recorded now, so the buffers parked since the last submit are idle too.
    this.pool.onSubmit();
    return this.pool.trim();
  }

  /** Frees the device. In Node this also lets the process exit, which a live Dawn instance prevents. */
  destroy(): void {
    this.fatal ??= new Error('the device was destroyed by wg.destroy()');
    this.pool.trim();
    this.instance = null;
  }
}
