// Shader templating is deliberately dumb. A .wgsl file may pull in shared code with `#include name` lines
// (shaders/name.wgsl, each at most once), marks where its uniform struct goes with `{{PARAMS}}` (the
// kernel's ParamsSchema generates it: params.ts), and names its other `{{PLACEHOLDERS}}`, which the table
// below types. render() expands includes, substitutes, and prepends the shared constants (constants.ts)
// and the prelude. Anything left unreplaced throws.
import { SOURCES } from './shaders.gen.ts';
import { WGSL_CONSTANTS } from './constants.ts';
import type { ComputeType, Wgsl } from './dtype.ts';
import type { Fields, ParamsSchema } from './params.ts';

export interface ShaderParams {
  map: { TA: Wgsl; TB: Wgsl; TC: Wgsl; TO: Wgsl; CT: ComputeType; LOAD_B: string; PRE: string; EXPR: string };
  fill: { TO: Wgsl; VALUE: string };
  random: { TO: Wgsl };
  reduce: { TX: Wgsl; TO: Wgsl; CT: ComputeType; INIT: string; COMBINE: string; MAP: string; FINAL: string; SHUFFLE: string };
  argreduce: { TX: Wgsl; CT: ComputeType; INIT: string; BETTER: string; LOAD: string };
  softmax: {};
  gather: { TX: Wgsl; TO: Wgsl; MODE: 'gather_one' | 'scatter_one' };
  matmul: { MODE: `${number}` };
  matmul_reg: { MODE: '0' | '1' | '2' | '3' };
  matmul_sg: {};
  matmul_gemv: { ROWS: `${number}` };
  pool2d: { TH: Wgsl; TO: Wgsl; MODE: `${number}` };
  optim: { ALGO: `${number}` };
  optim_grad: { MODE: `${number}` };
  norm: {};
  norm_backward: {};
  norm_channel: {};
  norm_channel_sums: {};
  dropout: {};
  rnn_cell: {};
  rnn_cell_backward: {};
}

export type ShaderName = keyof ShaderParams;

function source(name: string, from: string): string {
  const s = SOURCES[name];
  if (s === undefined) throw new Error(`webgrad: shader '${name}'${from ? ` (included by '${from}')` : ''} is missing from shaders/`);
  return s;
}

/** `name`'s text with its `#include` lines replaced by the files they name, each included once. */
export function expandIncludes(name: string, seen = new Set<string>([name])): string {
  return source(name, '').replace(/^#include (\w+)[ \t]*$/gm, (_, inc: string) => {
    if (seen.has(inc)) return '';
    seen.add(inc);
    source(inc, name);
    return expandIncludes(inc, seen);
  });
}

export function render<N extends ShaderName, F extends Fields>(name: N, schema: ParamsSchema<F>, params: ShaderParams[N]): string {
  let text = expandIncludes(name);
  const marks = text.split('{{PARAMS}}').length - 1;
  if (marks !== 1) throw new Error(`webgrad: shader '${name}' must mark its uniform struct with one {{PARAMS}}, found ${marks}`);
  text = text.replace('{{PARAMS}}', () => schema.wgsl);
  text = text.replace(/\{\{(\w+)\}\}/g, (m, key: string) => {
    const v = (params as Record<string, string>)[key];
    if (v === undefined) throw new Error(`webgrad: shader '${name}' has placeholder ${m} with no value`);
    return v;
  });
  return `${WGSL_CONSTANTS}${source('prelude', name)}\n${text}`;
}

/** The raw text of a shader file, for tools such as the doctor. */
export function shaderSource(name: string): string | undefined {
  return SOURCES[name];
}
