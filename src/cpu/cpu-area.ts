// Layout of the CPU area that PhysicalMemory.claimCpuArea() sets aside in the guest's
// WebAssembly.Memory, where translated WebAssembly code (jit/emit-wasm.ts) finds the CPU.

/** TlbState.fast (one int32 per linear page) at offset 0, then the eight registers. */
export const CPU_AREA_REGS = 4 << 20;
/** Int32 words through which jit/wasm-tier.ts passes the lazy flags, exit EIP and exit kind. */
export const CPU_AREA_EXCHANGE = CPU_AREA_REGS + 64;
/**
 * The translations' chain table and per-slot entry counts (jit/wasm-tier.ts), after the
 * registers' 64 KiB; PhysicalMemory's CPU_AREA_BYTES covers them.
 */
export const CPU_AREA_CHAIN = CPU_AREA_REGS + (64 << 10);
