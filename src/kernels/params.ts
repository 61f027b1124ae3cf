// A kernel's uniform parameters, declared once. `params(name, fields, flags)` lays the named fields out
// by WGSL's uniform-address-space rules, generates the shader's `struct Params`, its binding and its
// flag constants (substituted for `{{PARAMS}}` by render()), and writes a named object into a dispatch's
// uniform slot in that layout. So neither side can reorder or drop a field alone: a missing or unknown
// field throws when written, and a shader naming a member the schema lacks fails to compile (and the
// member check in test/params.test.ts).
import { fail, UNIFORM_BINDING, type UniformWriter } from '../device/index.ts';
import { split64 } from './constants.ts';

type Scalar = 'u32' | 'i32' | 'f32';
/**
 * A field: a scalar; `u64`, a bigint written as the u32 pair `<name>_lo`, `<name>_hi`; a `vec4`; or
 * `[T, n]`, n values (a multiple of 4) as `array<vec4<T>, n / 4>`, since uniform arrays need a 16-byte
 * stride. Vectors and arrays take up to their length of numbers, padded with zeros.
 */
export type FieldType = Scalar | 'u64' | `vec4<${Scalar}>` | readonly [Scalar, number];
export type Fields = Record<string, FieldType>;
type ValueOf<T> = T extends 'u64' ? bigint : T extends Scalar ? number : readonly number[];
/** The object a kernel writes: every field of the schema, by name. */
export type ParamValues<F extends Fields> = { -readonly [K in keyof F]: ValueOf<F[K]> };

// One step of the writer: a named field, or `pad` u32 words of alignment padding.
interface Slot {
  name: string;
  kind: 'scalar' | 'u64' | 'list' | 'pad';
  type: Scalar;
  /** Words: 1 for scalars, 2 for u64, the length for lists, the padding. */
  n: number;
}

const SCALARS = new Set(['u32', 'i32', 'f32']);

export class ParamsSchema<F extends Fields> {
  /** `struct Params`, the uniform binding `u` and the `F_*` flag constants, as WGSL. */
  readonly wgsl: string;
  /** The struct's member names (u64 fields as their two halves), for checks. */
  readonly members: ReadonlySet<string>;
  /** Bytes the struct occupies. */
  readonly bytes: number;
  private readonly slots: Slot[] = [];
  private readonly names: ReadonlySet<string>;

  constructor(
    readonly name: string,
    fields: F,
    readonly flags: Readonly<Record<string, number>> = {},
  ) {
    const lines: string[] = [];
    const members: string[] = [];
    let words = 0;
    let pads = 0;
    const align4 = () => {
      if (words % 4 === 0) return;
      const n = 4 - (words % 4);
      for (let k = 0; k < n; k++) lines.push(`  _pad${pads + k}: u32,`), members.push(`_pad${pads + k}`);
      pads += n;
      this.slots.push({ name: '', kind: 'pad', type: 'u32', n });
      words += n;
    };
    for (const [name, t] of Object.entries(fields)) {
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new Error(`webgrad: params ${this.name}: bad field name '${name}'`);
      if (typeof t === 'string' && SCALARS.has(t)) {
        this.slots.push({ name, kind: 'scalar', type: t as Scalar, n: 1 });
        lines.push(`  ${name}: ${t},`);
        members.push(name);
        words += 1;
      } else if (t === 'u64') {
        this.slots.push({ name, kind: 'u64', type: 'u32', n: 2 });
        lines.push(`  ${name}_lo: u32,`, `  ${name}_hi: u32,`);
        members.push(`${name}_lo`, `${name}_hi`);
        words += 2;
      } else if (typeof t === 'string') {
        const s = /^vec4<(u32|i32|f32)>$/.exec(t);
        if (!s) throw new Error(`webgrad: params ${this.name}: field '${name}' has unknown type ${t}`);
        align4();
        this.slots.push({ name, kind: 'list', type: s[1] as Scalar, n: 4 });
        lines.push(`  ${name}: ${t},`);
        members.push(name);
        words += 4;
      } else {
        const [type, n] = t;
        if (!SCALARS.has(type) || !(n > 0 && n % 4 === 0)) throw new Error(`webgrad: params ${this.name}: field '${name}' must be [scalar type, a multiple of 4]`);
        align4();
        this.slots.push({ name, kind: 'list', type, n });
        lines.push(`  ${name}: array<vec4<${type}>, ${n / 4}>,`);
        members.push(name);
        words += n;
      }
    }
    this.bytes = words * 4;
    if (this.bytes > UNIFORM_BINDING) throw new Error(`webgrad: params ${this.name} take ${this.bytes} bytes, over the ${UNIFORM_BINDING}-byte uniform binding`);
    this.names = new Set(Object.keys(fields));
    this.members = new Set(members);
    const consts = Object.entries(flags).map(([k, v]) => `const F_${k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}: u32 = ${v >>> 0}u;`);
    this.wgsl = [`// Generated from the ${this.name} schema (src/kernels/params.ts).`, 'struct Params {', ...lines, '}', '', '@group(0) @binding(0) var<uniform> u: Params;', ...consts, ''].join('\n');
  }

  /** Writes `v` in the schema's layout. Every field must be present and no other. */
  write(w: UniformWriter, v: ParamValues<F>): void {
    const o = v as Record<string, unknown>;
    let seen = 0;
    for (const s of this.slots) {
      if (s.kind === 'pad') {
        for (let k = 0; k < s.n; k++) w.u32(0);
        continue;
      }
      const x = o[s.name];
      if (x === undefined) this.bad(`has no value for field '${s.name}'`);
      seen++;
      if (s.kind === 'scalar') {
        if (typeof x !== 'number') this.bad(`field '${s.name}' must be a number, got ${typeof x}`);
        w[s.type](x as number);
      } else if (s.kind === 'u64') {
        if (typeof x !== 'bigint') this.bad(`field '${s.name}' must be a bigint, got ${typeof x}`);
        const [lo, hi] = split64(x as bigint);
        w.u32(lo).u32(hi);
      } else {
        const a = x as readonly number[];
        if (typeof a.length !== 'number') this.bad(`field '${s.name}' must be a list of numbers`);
        if (a.length > s.n) this.bad(`field '${s.name}' holds at most ${s.n} values, got ${a.length}`);
        for (let k = 0; k < s.n; k++) w[s.type](k < a.length ? a[k]! : 0);
      }
    }
    let count = 0;
    for (const _ in o) count++;
    if (count !== seen) for (const k in o) if (!this.names.has(k)) this.bad(`has no field '${k}'`);
  }

  /** Every field zero: a base for dispatches that use few of them (`{ ...s.zero(), n }`). */
  zero(): ParamValues<F> {
    const z: Record<string, unknown> = {};
    for (const s of this.slots) if (s.kind !== 'pad') z[s.name] = s.kind === 'scalar' ? 0 : s.kind === 'u64' ? 0n : [];
    return z as ParamValues<F>;
  }

  private bad(what: string): never {
    fail(`params:${this.name}`, `the uniform schema ${what}`, 'write exactly the fields the schema declares (a bug in the kernel)');
  }
}

/** Declares a kernel's uniform parameters; see ParamsSchema. `flags` become WGSL `const F_<NAME>: u32`. */
export function params<F extends Fields>(name: string, fields: F, flags?: Readonly<Record<string, number>>): ParamsSchema<F> {
  return new ParamsSchema(name, fields, flags);
}
