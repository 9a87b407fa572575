// V8 keeps a number field of an object as a small integer (Smi) until the first value outside
// the int32 range is stored; it then gives the object a new map and throws away every piece
// of optimized code built against the old one ("wrong map" deopts in --trace-deopt, seen four
// times over when Linux jumps to 0xC0000000 and EIP, the fetch window, GDTR... pass 2^31).
// Fields that hold 32-bit addresses, unsigned operands or counters are made doubles once, at
// construction, so their representation never changes while the machine runs.

/** Stores a non-integer into each named number field, then its value back (now as a double). */
export function widenNumberFields<T extends object>(o: T, names: readonly (keyof T & string)[]): void {
  const rec = o as unknown as Record<string, number>;
  for (const name of names) {
    const v = rec[name];
    rec[name] = 0.5;
    rec[name] = v;
  }
}
