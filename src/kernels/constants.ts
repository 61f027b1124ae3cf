// Constants the host and every shader must agree on. shaders.ts emits them as WGSL `const`s ahead of the
// prelude, so a change here reaches both sides.

/** The most dimensions a strided operand keeps after coalescing: uniform shape lists are this long. */
export const MAX_DIMS = 8;
/** Invocations per workgroup of the elementwise, reduction and softmax kernels (WGSL `WG`). */
export const WG = 256;

/** The WGSL declarations of the constants above. */
export const WGSL_CONSTANTS = `const WG: u32 = ${WG}u;\nconst MAX_DIMS: u32 = ${MAX_DIMS}u;\n`;

const MASK = 0xffffffffn;
/** A 64-bit stream position or seed as its (low, high) 32-bit words, the form `u64` uniforms take. */
export function split64(x: bigint): [number, number] {
  return [Number(x & MASK), Number((x >> 32n) & MASK)];
}
