// Pipelines are keyed by their final WGSL source and override constants, so equal kernels are compiled
// once per device. Every kernel uses the same explicit layout shape: binding 0 is the uniform slot
// (dynamic offset), then `reads` read-only storage buffers, then `writes` read-write ones.
import { WebGradError } from './errors.ts';
import { UNIFORM_BINDING } from './uniforms.ts';
import type { Stats } from './stats.ts';

export interface KernelSpec {
  /** Names the kernel in errors and profiles, e.g. `map:add:f32`. */
  name: string;
  source: string;
  reads: number;
  writes: number;
  constants?: Record<string, number>;
}

export interface Kernel {
  spec: KernelSpec;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  layoutKey: string;
}

export function kernelKey(spec: KernelSpec): string {
  const c = spec.constants ? JSON.stringify(spec.constants) : '';
  return `${spec.reads}/${spec.writes}|${c}|${spec.source}`;
}

export async function compileErrorFor(name: string, module: GPUShaderModule, source: string): Promise<WebGradError | null> {
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (!errors.length) return null;
  const lines = source.split('\n');
  const text = errors
    .map((m) => `line ${m.lineNum}:${m.linePos}: ${m.message}\n    ${lines[m.lineNum - 1]?.trim() ?? ''}`)
    .join('\n');
  return new WebGradError(`compile ${name}`, `WGSL failed to compile:\n${text}`, 'this is a bug in the kernel source; report it with this message');
}

export class PipelineCache {
  private kernels = new Map<string, Kernel>();
  /** Specs are usually reused objects (see kernels/spec.ts), so identity finds them without hashing source. */
  private bySpec = new WeakMap<KernelSpec, Kernel>();
  /** Compile errors by kernel name, filled asynchronously, so later failures can name the real cause. */
  readonly compileErrors = new Map<string, WebGradError>();
  private pending = new Set<Promise<void>>();

  /** Resolves once every synchronously created pipeline has been validated. */
  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }
  private layouts = new Map<string, GPUBindGroupLayout>();

  constructor(
    private device: GPUDevice,
    private stats: Stats,
    private onAsyncError: (e: Error) => void,
  ) {}

  get size(): number {
    return this.kernels.size;
  }

  private layoutFor(reads: number, writes: number): { layout: GPUBindGroupLayout; key: string } {
    const key = `${reads}/${writes}`;
    let layout = this.layouts.get(key);
    if (!layout) {
      const entries: GPUBindGroupLayoutEntry[] = [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: 0 } },
      ];
      for (let i = 0; i < reads + writes; i++)
        entries.push({ binding: i + 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: i < reads ? 'read-only-storage' : 'storage' } });
      layout = this.device.createBindGroupLayout({ entries, label: `webgrad-layout-${key}` });
      this.layouts.set(key, layout);
    }
    return { layout, key };
  }

  private descriptor(spec: KernelSpec, module: GPUShaderModule, layout: GPUBindGroupLayout): GPUComputePipelineDescriptor {
    return {
      label: spec.name,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main', constants: spec.constants },
    };
  }

  /**
   * Returns the kernel at once, compiling synchronously on first use. A compile error cannot be known
   * synchronously, so it is reported through `onAsyncError` and thrown by the next call.
   */
  get(spec: KernelSpec): Kernel {
    let k = this.bySpec.get(spec);
    if (k) return k;
    const key = kernelKey(spec);
    k = this.kernels.get(key);
    if (k) {
      this.bySpec.set(spec, k);
      return k;
    }
    const { layout, key: layoutKey } = this.layoutFor(spec.reads, spec.writes);
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code: spec.source, label: spec.name });
    const pipeline = this.device.createComputePipeline(this.descriptor(spec, module, layout));
    const checked = this.device.popErrorScope().then(async (err) => {
      if (!err) return;
      const detail = (await compileErrorFor(spec.name, module, spec.source)) ?? new WebGradError(spec.name, `pipeline creation failed: ${err.message}`);
      this.kernels.delete(key);
      this.bySpec.delete(spec);
      this.compileErrors.set(spec.name, detail);
      this.onAsyncError(detail);
    });
    this.pending.add(checked);
    checked.finally(() => this.pending.delete(checked));
    this.stats.pipelinesCompiled++;
    k = { spec, pipeline, layout, layoutKey };
    this.kernels.set(key, k);
    this.bySpec.set(spec, k);
    return k;
  }

  /** Compiles off the main thread where the runtime allows it, throwing compile errors here. */
  async compile(spec: KernelSpec): Promise<Kernel> {
    const key = kernelKey(spec);
    const have = this.kernels.get(key);
    if (have) return have;
    const { layout, key: layoutKey } = this.layoutFor(spec.reads, spec.writes);
    // Captured in a scope: an invalid module would otherwise also raise an uncaptured error, which the
    // device turns into a failure of whatever op runs next.
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code: spec.source, label: spec.name });
    const scoped = this.device.popErrorScope();
    const err = await compileErrorFor(spec.name, module, spec.source);
    const other = await scoped;
    if (err) throw err;
    if (other) throw new WebGradError(`compile ${spec.name}`, `shader module creation failed: ${other.message}`);
    let pipeline: GPUComputePipeline;
    try {
      pipeline = await this.device.createComputePipelineAsync(this.descriptor(spec, module, layout));
    } catch (e) {
      throw new WebGradError(`compile ${spec.name}`, `pipeline creation failed: ${(e as Error).message}`);
    }
    this.stats.pipelinesCompiled++;
    const k = { spec, pipeline, layout, layoutKey };
    this.kernels.set(key, k);
    return k;
  }
}

export { UNIFORM_BINDING };
