// A seeded permutation that is the same on every JavaScript runtime: a Weyl sequence through the
// murmur3 finalizer (32-bit integer math only, via Math.imul) drives a Fisher-Yates shuffle.

/** A stream of uint32s fixed by (seed, stream); seeds are integers up to 2^53 in magnitude. */
export function uint32s(seed: number, stream = 0): () => number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  let s = mix(lo ^ mix(hi ^ mix(stream + 0x5bd1e995)));
  return () => {
    s = (s + 0x9e3779b9) | 0;
    return mix(s);
  };
}

function mix(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A permutation of 0..n-1 determined by (seed, stream), e.g. stream = epoch. */
export function permutation(n: number, seed: number, stream = 0): Int32Array {
  const next = uint32s(seed, stream);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    // float64 products are correctly rounded, so j is the same on every runtime.
    const j = Math.min(i, Math.floor((next() * (i + 1)) / 2 ** 32));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
