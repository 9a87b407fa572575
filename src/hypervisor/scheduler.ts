// CPU shares: each period the supervisor divides the host CPUs it may use among the runnable
// VMs in proportion to their weights. One VM has one vCPU, so it can use at most one host CPU;
// what a VM cannot use goes to the others (water-filling), so spare CPU is never wasted and
// weights decide only under contention.

/** Fraction of a host CPU for each VM (same order as `shares`). */
export function allocateCpu(shares: readonly number[], capacity: number, perVmCap = 1): number[] {
  const out = shares.map(() => 0);
  let left = capacity;
  let open = shares.map((_, i) => i).filter((i) => shares[i]! > 0);
  while (open.length > 0 && left > 1e-9) {
    const total = open.reduce((a, i) => a + shares[i]!, 0);
    const capped = open.filter((i) => (left * shares[i]!) / total >= perVmCap - out[i]!);
    if (capped.length === 0) {
      for (const i of open) out[i]! += (left * shares[i]!) / total;
      break;
    }
    for (const i of capped) {
      left -= perVmCap - out[i]!;
      out[i] = perVmCap;
    }
    open = open.filter((i) => !capped.includes(i));
  }
  return out;
}
