// The CPU state a loader hands to the board: registers, segment caches and descriptor
// tables for the kernel's entry. Loaders never touch a CPU; the board applies the plan.

import { PageKind, type PhysicalMemory } from '../memory/physical-memory.js';

/** A segment register with its hidden descriptor cache, as the CPU holds it after a load. */
export interface SegmentState {
  selector: number;
  base: number;
  limit: number;
  /** Descriptor access byte (P, DPL, S, type): 0x9B code exec/read, 0x93 data read/write. */
  access: number;
  /** D/B bit: 32-bit default operand size (code) / 32-bit stack (SS). */
  big: boolean;
  /**
   * Bits 8-15 of the descriptor's high dword shifted down by 8 (SDM vol. 3A, 3.4.5): the access
   * byte in bits 0-7, AVL/L/D-B/G in bits 12-15. What a CPU keeps in its segment cache.
   */
  attr: number;
}

export interface CpuEntryState {
  /** 'protected32': CR0.PE=1, paging off. 'real16': real mode, segments are paragraphs. */
  mode: 'protected32' | 'real16';
  eip: number;
  eflags: number;
  cr0: number;
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
  esi: number;
  edi: number;
  ebp: number;
  esp: number;
  cs: SegmentState;
  ds: SegmentState;
  es: SegmentState;
  fs: SegmentState;
  gs: SegmentState;
  ss: SegmentState;
  gdtr: { base: number; limit: number };
  idtr: { base: number; limit: number };
  /** The loaders assume A20 is on (boot protocols load above 1 MiB). */
  a20: boolean;
}

/** A range of guest memory a loader filled, for logs and overlap checks. */
export interface LoadedRegion {
  name: string;
  start: number;
  /** Exclusive. */
  end: number;
}

/** Linux boot.rst "32-bit Boot Protocol": __BOOT_CS = 0x10, __BOOT_DS = 0x18. */
export const BOOT_CS = 0x10;
export const BOOT_DS = 0x18;
/** Where loaders place their GDT: 0x500, the first byte after the BIOS data area. */
export const GDT_BASE = 0x500;
const GDT_LIMIT = 0x1f; // four 8-byte descriptors: null, unused, code, data

/**
 * Writes a GDT with flat 4 GiB descriptors at index 2 (code, exec/read) and 3 (data,
 * read/write), G=1 and D/B=1 (Intel SDM vol. 3, 3.4.5 "Segment Descriptors").
 */
export function writeFlatGdt(memory: PhysicalMemory, base = GDT_BASE): { base: number; limit: number } {
  for (let i = 0; i < 16; i++) memory.write8(base + i, 0);
  // Descriptor dwords (low, high): limit 0xFFFFF, base 0, access 0x9B/0x93, flags 0xC.
  memory.write32(base + BOOT_CS, 0x0000ffff);
  memory.write32(base + BOOT_CS + 4, 0x00cf9b00);
  memory.write32(base + BOOT_DS, 0x0000ffff);
  memory.write32(base + BOOT_DS + 4, 0x00cf9300);
  return { base, limit: GDT_LIMIT };
}

function flat(selector: number, access: number): SegmentState {
  return { selector, base: 0, limit: 0xffffffff, access, big: true, attr: access | 0x4000 | 0x8000 };
}

/** 32-bit flat protected mode, interrupts off, paging off, all GPRs zero unless given. */
export function protectedModeEntry(
  gdtr: { base: number; limit: number },
  eip: number,
  regs: Partial<Pick<CpuEntryState, 'eax' | 'ebx' | 'ecx' | 'edx' | 'esi' | 'edi' | 'ebp' | 'esp'>>,
): CpuEntryState {
  return {
    mode: 'protected32',
    eip: eip >>> 0,
    eflags: 0x2, // bit 1 is always set; IF=0, VM=0
    cr0: 0x11, // PE, and ET as on every 386+ after reset
    eax: 0,
    ebx: 0,
    ecx: 0,
    edx: 0,
    esi: 0,
    edi: 0,
    ebp: 0,
    esp: 0,
    ...regs,
    cs: flat(BOOT_CS, 0x9b),
    ds: flat(BOOT_DS, 0x93),
    es: flat(BOOT_DS, 0x93),
    fs: flat(BOOT_DS, 0x93),
    gs: flat(BOOT_DS, 0x93),
    ss: flat(BOOT_DS, 0x93),
    gdtr,
    idtr: { base: 0, limit: 0 },
    a20: true,
  };
}

function realSeg(selector: number, access: number): SegmentState {
  return { selector, base: selector << 4, limit: 0xffff, access, big: false, attr: access };
}

/** Real mode at cs:ip with every data segment = ds and the stack at ss:sp (ss = ds). */
export function realModeEntry(cs: number, ip: number, ds: number, sp: number): CpuEntryState {
  return {
    mode: 'real16',
    eip: ip,
    eflags: 0x2,
    cr0: 0x10,
    eax: 0,
    ebx: 0,
    ecx: 0,
    edx: 0,
    esi: 0,
    edi: 0,
    ebp: 0,
    esp: sp,
    cs: realSeg(cs, 0x9b),
    ds: realSeg(ds, 0x93),
    es: realSeg(ds, 0x93),
    fs: realSeg(ds, 0x93),
    gs: realSeg(ds, 0x93),
    ss: realSeg(ds, 0x93),
    gdtr: { base: 0, limit: 0xffff },
    idtr: { base: 0, limit: 0x3ff },
    a20: true,
  };
}

/** The first two regions that overlap, or null (loaders check their layout before writing). */
export function findOverlap(regions: readonly LoadedRegion[]): [LoadedRegion, LoadedRegion] | null {
  const sorted = regions.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].start < sorted[i - 1].end) return [sorted[i - 1], sorted[i]];
  }
  return null;
}

/**
 * Copies a loader's bytes to a physical address. RAM pages are filled directly (the loader
 * works on physical addresses, so the A20 gate does not apply); pages that are not plain
 * RAM, or hold code the engine cached, go through the normal write path.
 */
export function copyToGuest(memory: PhysicalMemory, address: number, data: Uint8Array): void {
  const PAGE = 4096;
  let done = 0;
  while (done < data.length) {
    const a = address + done;
    const page = Math.floor(a / PAGE);
    const n = Math.min(data.length - done, PAGE - (a % PAGE));
    const chunk = data.subarray(done, done + n);
    if (a + n <= memory.ramSize && memory.pageKind[page] === PageKind.Ram && memory.codePages[page] === 0) {
      memory.ram.set(chunk, a);
      memory.dirtyPages[page] = 1;
    } else {
      for (let i = 0; i < n; i++) memory.write8(a + i, chunk[i]);
    }
    done += n;
  }
}

/** Fills [address, address+length) with zeros (a .bss), through copyToGuest's rules. */
export function zeroGuest(memory: PhysicalMemory, address: number, length: number): void {
  const zeros = new Uint8Array(Math.min(length, 1 << 16));
  for (let done = 0; done < length; done += zeros.length) {
    copyToGuest(memory, address + done, zeros.subarray(0, Math.min(zeros.length, length - done)));
  }
}
