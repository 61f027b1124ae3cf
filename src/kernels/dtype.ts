// The three storage types. bool lives in a u32 word because WGSL storage cannot hold bool.
export type DType = 'float32' | 'int32' | 'bool';
/** Every DType, for checking user input (an unknown dtype must throw, not make a broken tensor). */
export const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];
export type Wgsl = 'f32' | 'i32' | 'u32';
/** A kernel's compute type: what operands are converted to before the expression runs. */
export type ComputeType = 'f32' | 'i32' | 'u32' | 'bool';

export function wgslType(d: DType): Wgsl {
  return d === 'float32' ? 'f32' : d === 'int32' ? 'i32' : 'u32';
}

export function typedArrayFor(d: DType): Float32ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor {
  return d === 'float32' ? Float32Array : d === 'int32' ? Int32Array : Uint32Array;
}

export type TypedArray = Float32Array | Int32Array | Uint32Array;

/** Type promotion as in PyTorch for our three types: bool < int32 < float32. */
export function promote(a: DType, b: DType): DType {
  if (a === 'float32' || b === 'float32') return 'float32';
  if (a === 'int32' || b === 'int32') return 'int32';
  return 'bool';
}
