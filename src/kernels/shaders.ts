// Shader templating is deliberately dumb: each .wgsl file names its `{{PLACEHOLDERS}}`, the table below
// types them, and `render` substitutes them after the shared prelude. Anything left unreplaced throws.
import { SOURCES } from './shaders.gen.ts';
import type { ComputeType, Wgsl } from './dtype.ts';

export interface ShaderParams {
  map: { TA: Wgsl; TB: Wgsl; TC: Wgsl; TO: Wgsl; CT: ComputeType; LOAD_B: string; PRE: string; EXPR: string };
  fill: { TO: Wgsl; VALUE: string };
  random: { TO: Wgsl };
  reduce: { TX: Wgsl; TO: Wgsl; CT: ComputeType; INIT: string; COMBINE: string; MAP: string; FINAL: string };
  argreduce: { TX: Wgsl; CT: ComputeType; INIT: string; BETTER: string; LOAD: string };
  softmax: {};
  gather: { TX: Wgsl; TO: Wgsl; MODE: 'gather_one' | 'scatter_one' };
  // COMMON: shaders/matmul_common.wgsl, the Params, bindings and helpers all three matmul kernels share.
  matmul: { MODE: `${number}`; COMMON: string };
  matmul_reg: { MODE: '0' | '1'; COMMON: string };
  matmul_sg: { COMMON: string };
  pool2d: { TH: Wgsl; TO: Wgsl; MODE: `${number}` };
  optim: { ALGO: `${number}` };
  optim_grad: { MODE: `${number}` };
}

export type ShaderName = keyof ShaderParams;

export function render<N extends ShaderName>(name: N, params: ShaderParams[N]): string {
  const body = SOURCES[name];
  const prelude = SOURCES['prelude'];
  if (body === undefined || prelude === undefined) throw new Error(`webgrad: shader '${name}' or the prelude is missing from shaders/`);
  const text = body.replace(/\{\{(\w+)\}\}/g, (m, key: string) => {
    const v = (params as Record<string, string>)[key];
    if (v === undefined) throw new Error(`webgrad: shader '${name}' has placeholder ${m} with no value`);
    return v;
  });
  return `${prelude}\n${text}`;
}

/** The raw text of a shader file, for tools such as the doctor. */
export function shaderSource(name: string): string | undefined {
  return SOURCES[name];
}
