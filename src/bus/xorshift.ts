// xorshift32 (Marsaglia 2003): deterministic pseudo-random numbers for the fuzz tests, so a
// failing case repeats from its seed. A closure per generator: no module state.
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}
