// A 32-bit flat protected-mode machine for the translator's tests (jit-fuzz32.test.ts,
// wasm-dispatch.test.ts): flat segments over 4 MiB of RAM, optionally identity-paged, a data
// area, and interrupts that log where they arrive.
import { makeMachine, flatDescriptor } from '../test-machine.js';
import { Attr, Cr0, Seg } from '../state.js';

export const DATA = 0x2000;
export const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
export const RAM = 4 << 20;
export const PAGE_DIR = 0x200000;
/** FS: base FS_BASE (unaligned), 4 GiB limit, as the kernel's per-CPU segment. */
export const FS_BASE = 0x81;

/** 32-bit flat segments (base 0, 4 GiB limits); with `paging`, identity-mapped 4 KiB pages, A and D clear. */
export function enterFlat(m: ReturnType<typeof makeMachine>, paging: boolean): void {
  const c = m.cpu;
  for (let s = 0; s < 6; s++) {
    c.segSel[s] = s === Seg.CS ? 8 : 16;
    c.segBase[s] = s === Seg.FS ? FS_BASE : 0;
    c.segLimit[s] = 0xffffffff;
    c.segAttr[s] = Attr.P | Attr.S | Attr.RW | Attr.ACCESSED | Attr.DB | Attr.G | (s === Seg.CS ? Attr.CODE : 0);
  }
  c.cr[0] |= Cr0.PE;
  if (paging) {
    for (let t = 0; t < RAM >>> 22; t++) m.memory.write32(PAGE_DIR + 4 * t, (PAGE_DIR + 0x1000 * (t + 1)) | 7);
    for (let p = 0; p < RAM >>> 12; p++) m.memory.write32(PAGE_DIR + 0x1000 + 4 * p, (p << 12) | 7);
    c.cr[3] = PAGE_DIR;
    c.cr[0] |= Cr0.PG;
  }
  c.modeChanged();
}

/** Translates everything at once (threshold 0, hot at once) and counts the run loop's lookups of translated code. */
export function translateCountingLookups(m: ReturnType<typeof makeMachine>): { lookups: number } {
  const counted = { lookups: 0 };
  m.cpu.setJit({ threshold: 0, hotRuns: 0 });
  const jitRun = m.cpu.jit!.runBlock.bind(m.cpu.jit);
  m.cpu.jit!.runBlock = (cpu) => { counted.lookups++; return jitRun(cpu); };
  return counted;
}

/**
 * enterFlat plus a GDT (08h code, 10h data, flat ring 0) and an IDT whose vector 20h goes to a
 * handler at 5000h that logs the interrupted EIP (at the pointer in 4F00h) and returns with IF
 * clear in the saved EFLAGS, so that the next interrupt waits for the program to enable it.
 */
export function withLoggingInterrupts(code: number[], paging: boolean) {
  const m = makeMachine(code, RAM);
  enterFlat(m, paging);
  const mem = m.memory;
  flatDescriptor(m, 0x508, 0x9a);
  flatDescriptor(m, 0x510, 0x92);
  mem.write32(0x600 + 0x20 * 8, (0x08 << 16) | 0x5000);
  mem.write32(0x600 + 0x20 * 8 + 4, 0x8e00);
  const c = m.cpu;
  c.gdtrBase = 0x500;
  c.gdtrLimit = 0x17;
  c.idtrBase = 0x600;
  c.idtrLimit = 0x7ff;
  mem.writeBytes(0x5000, Uint8Array.from([
    0x50, 0x8b, 0x44, 0x24, 0x04, 0x52, // push eax; mov eax, [esp+4] (the pushed EIP); push edx
    0x8b, 0x15, ...le32(0x4f00), 0x89, 0x02, 0x83, 0x05, ...le32(0x4f00), 0x04, // mov edx, [4F00h]; mov [edx], eax; add dword [4F00h], 4
    0x81, 0x64, 0x24, 0x10, ...le32(~0x200), // and dword [esp+16], ~IF (the saved EFLAGS)
    0x5a, 0x58, 0xcf, // pop edx; pop eax; iret
  ]));
  mem.write32(0x4f00, 0x4f10);
  const log = () => { const n = (mem.read32(0x4f00) - 0x4f10) / 4; return Array.from({ length: n }, (_, i) => mem.read32(0x4f10 + 4 * i)); };
  return { m, log };
}
