// Multiboot v1 (Multiboot Specification 0.6.96): finds the header, loads the kernel by the
// a.out kludge (header flag 16) or from ELF32 program headers, places modules, command line
// and the boot information structure, and returns the machine state of section 3.2.

import type { PhysicalMemory } from '../memory/physical-memory.js';
import {
  CommandLineTooLongError,
  NotAKernelError,
  NotEnoughMemoryError,
  TruncatedImageError,
  UnsupportedKernelError,
  hex,
  mib,
} from './errors.js';
import { type E820Entry, defaultE820, isUsable, usableEnd } from './e820.js';
import {
  type CpuEntryState,
  type LoadedRegion,
  copyToGuest,
  findOverlap,
  protectedModeEntry,
  writeFlatGdt,
  zeroGuest,
} from './entry.js';
import { utf8 } from './utf8.js';

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
/** Spec 3.1.1: the header lies, 32-bit aligned, in the first 8192 bytes of the image. */
const SEARCH_LIMIT = 8192;

// Header flags (spec 3.1.2). Bits 0-15 are requirements: a loader that does not know one must refuse.
const HF_PAGE_ALIGN = 1 << 0;
const HF_MEMORY_INFO = 1 << 1;
const HF_VIDEO_MODE = 1 << 2;
const HF_AOUT_KLUDGE = 1 << 16;
const KNOWN_REQUIRED = HF_PAGE_ALIGN | HF_MEMORY_INFO | HF_VIDEO_MODE;

// Boot information flags (spec 3.3).
const MBI_MEMORY = 1 << 0;
const MBI_CMDLINE = 1 << 2;
const MBI_MODS = 1 << 3;
const MBI_MMAP = 1 << 6;
const MBI_LOADER_NAME = 1 << 9;
const MBI_FRAMEBUFFER = 1 << 12;
const MBI_SIZE = 116; // through color_info

export interface MultibootHeader {
  /** File offset of the magic. */
  offset: number;
  flags: number;
  /** The a.out kludge fields (flag 16), else null. */
  addresses: { headerAddr: number; loadAddr: number; loadEndAddr: number; bssEndAddr: number; entryAddr: number } | null;
  /** Preferred video mode (flag 2), else null. */
  video: { modeType: number; width: number; height: number; depth: number } | null;
}

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** The first valid header (magic + flags + checksum == 0 mod 2^32) in the first 8 KiB, or null. */
export function findMultibootHeader(image: Uint8Array): MultibootHeader | null {
  const limit = Math.min(image.length, SEARCH_LIMIT) - 12;
  for (let o = 0; o <= limit; o += 4) {
    if (u32(image, o) !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = u32(image, o + 4);
    if (((MULTIBOOT_HEADER_MAGIC + flags + u32(image, o + 8)) >>> 0) !== 0) continue;
    const hasAddr = (flags & HF_AOUT_KLUDGE) !== 0;
    const hasVideo = (flags & HF_VIDEO_MODE) !== 0;
    const need = hasVideo ? 48 : hasAddr ? 32 : 12;
    if (o + need > image.length) {
      throw new TruncatedImageError(`truncated multiboot kernel: its header at ${hex(o)} needs ${need} bytes, the file ends first`);
    }
    return {
      offset: o,
      flags,
      addresses: hasAddr
        ? {
            headerAddr: u32(image, o + 12),
            loadAddr: u32(image, o + 16),
            loadEndAddr: u32(image, o + 20),
            bssEndAddr: u32(image, o + 24),
            entryAddr: u32(image, o + 28),
          }
        : null,
      video: hasVideo
        ? { modeType: u32(image, o + 32), width: u32(image, o + 36), height: u32(image, o + 40), depth: u32(image, o + 44) }
        : null,
    };
  }
  return null;
}

/** A piece of the kernel to place in memory: `data` at `address`, then zeros up to `memEnd`. */
interface Segment {
  address: number;
  data: Uint8Array;
  memEnd: number;
}

interface KernelImage {
  segments: Segment[];
  entry: number;
}

/** Spec 3.1.3: the address fields say where the file goes, independent of its format. */
function aoutKludge(image: Uint8Array, h: MultibootHeader): KernelImage {
  const a = h.addresses!;
  if (a.headerAddr < a.loadAddr) {
    throw new NotAKernelError(`bad multiboot header: header_addr ${hex(a.headerAddr)} is below load_addr ${hex(a.loadAddr)}`);
  }
  const fileStart = h.offset - (a.headerAddr - a.loadAddr);
  if (fileStart < 0) {
    throw new NotAKernelError('bad multiboot header: load_addr would start the image before the beginning of the file');
  }
  const loadEnd = a.loadEndAddr === 0 ? a.loadAddr + (image.length - fileStart) : a.loadEndAddr;
  if (loadEnd < a.loadAddr) throw new NotAKernelError(`bad multiboot header: load_end_addr ${hex(loadEnd)} is below load_addr`);
  const size = loadEnd - a.loadAddr;
  if (fileStart + size > image.length) {
    throw new TruncatedImageError(`truncated multiboot kernel: header says ${fileStart + size} bytes, file has ${image.length}`);
  }
  const bssEnd = a.bssEndAddr === 0 ? loadEnd : a.bssEndAddr;
  if (bssEnd < loadEnd) throw new NotAKernelError(`bad multiboot header: bss_end_addr ${hex(bssEnd)} is below load_end_addr`);
  return { segments: [{ address: a.loadAddr, data: image.subarray(fileStart, fileStart + size), memEnd: bssEnd }], entry: a.entryAddr };
}

const PT_LOAD = 1;

/** ELF32 little-endian i386 executables (System V ABI, "Program Header"): PT_LOAD segments at p_paddr. */
function elf32(image: Uint8Array): KernelImage {
  if (image.length < 52 || u32(image, 0) !== 0x464c457f) {
    throw new NotAKernelError('not a multiboot kernel: without header flag 16 (a.out kludge) the file must be ELF, and it has no ELF signature');
  }
  if (image[4] !== 1) throw new UnsupportedKernelError('multiboot kernel is 64-bit ELF: only ELF32 is loaded without the a.out kludge (header flag 16)');
  if (image[5] !== 1) throw new UnsupportedKernelError('multiboot kernel is big-endian ELF');
  if (u16(image, 18) !== 3) throw new UnsupportedKernelError(`multiboot kernel is ELF for machine ${u16(image, 18)}, not i386 (3)`);
  const phoff = u32(image, 28);
  const phentsize = u16(image, 42);
  const phnum = u16(image, 44);
  if (phentsize < 32 || phoff + phnum * phentsize > image.length) {
    throw new TruncatedImageError('truncated multiboot kernel: ELF program headers lie outside the file');
  }
  let entry = u32(image, 24);
  const segments: Segment[] = [];
  let entryMapped = false;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (u32(image, p) !== PT_LOAD) continue;
    const offset = u32(image, p + 4);
    const vaddr = u32(image, p + 8);
    const paddr = u32(image, p + 12);
    const filesz = u32(image, p + 16);
    const memsz = u32(image, p + 20);
    if (memsz === 0) continue;
    if (filesz > memsz) throw new NotAKernelError(`bad ELF segment ${i}: file size exceeds memory size`);
    if (offset + filesz > image.length) {
      throw new TruncatedImageError(`truncated multiboot kernel: ELF segment ${i} ends at ${offset + filesz}, file has ${image.length}`);
    }
    segments.push({ address: paddr, data: image.subarray(offset, offset + filesz), memEnd: paddr + memsz });
    // A kernel linked high (vaddr != paddr) gives a virtual e_entry: translate it as GRUB does.
    if (!entryMapped && entry >= vaddr && entry < vaddr + memsz) {
      entry = (entry - vaddr + paddr) >>> 0;
      entryMapped = true;
    }
  }
  if (segments.length === 0) throw new NotAKernelError('multiboot kernel has no loadable ELF segments');
  return { segments, entry };
}

export interface MultibootModule {
  data: Uint8Array;
  /** The module's string (often its command line). */
  cmdline?: string;
}

export interface MultibootOptions {
  cmdline?: string;
  modules?: readonly MultibootModule[];
  e820?: readonly E820Entry[];
  bootLoaderName?: string;
}

export interface MultibootPlan {
  kind: 'multiboot';
  entry: number;
  /** Physical address of the multiboot information structure (EBX). */
  infoAddress: number;
  header: MultibootHeader;
  modules: { start: number; end: number; cmdline: string }[];
  cpu: CpuEntryState;
  regions: LoadedRegion[];
}

/** The information structure and its strings and tables live at 0x10000..0x1FFFF. */
export const MULTIBOOT_INFO_BASE = 0x10000;
const INFO_AREA = 0x10000;

/**
 * Loads a multiboot kernel and its modules; returns the state of spec 3.2 ("Machine state"):
 * EAX = 0x2BADB002, EBX = info address, flat 32-bit CS and data segments, A20 on, PE on, PG
 * off, IF off. All checks come before the first write to guest memory.
 */
export function loadMultiboot(memory: PhysicalMemory, image: Uint8Array, options: MultibootOptions = {}): MultibootPlan {
  const header = findMultibootHeader(image);
  if (!header) {
    throw new NotAKernelError(`not a multiboot kernel: no header with magic ${hex(MULTIBOOT_HEADER_MAGIC)} and a valid checksum in the first 8 KiB`);
  }
  const unknown = header.flags & 0xffff & ~KNOWN_REQUIRED;
  if (unknown !== 0) {
    throw new UnsupportedKernelError(`multiboot kernel requires features this loader lacks (header flags ${hex(unknown)})`);
  }
  const kernel = header.addresses ? aoutKludge(image, header) : elf32(image);
  const e820 = options.e820 ?? defaultE820(memory.ramSize);
  const ramTop = Math.min(usableEnd(e820, 0x100000), memory.ramSize);

  const regions: LoadedRegion[] = [
    { name: 'gdt', start: 0x500, end: 0x520 },
  ];
  let kernelEnd = 0;
  for (const s of kernel.segments) {
    if (s.memEnd > memory.ramSize || !isUsable(e820, s.address, s.memEnd)) {
      if (s.memEnd > ramTop && s.address >= 0x100000) {
        throw new NotEnoughMemoryError(
          `multiboot kernel loads up to ${hex(s.memEnd)} (${mib(s.memEnd)} MiB), the VM has ${mib(ramTop)} MiB: give the VM more memory`,
        );
      }
      throw new UnsupportedKernelError(`multiboot kernel segment ${hex(s.address)}-${hex(s.memEnd)} is not in usable RAM`);
    }
    regions.push({ name: `kernel segment at ${hex(s.address)}`, start: s.address, end: s.memEnd });
    kernelEnd = Math.max(kernelEnd, s.memEnd);
  }

  // Modules: page-aligned (satisfies header flag 0 either way), one after another above the kernel.
  const modules: { start: number; end: number; cmdline: string }[] = [];
  let next = Math.ceil(Math.max(kernelEnd, 0x100000) / 0x1000) * 0x1000;
  for (const m of options.modules ?? []) {
    const start = next;
    const end = start + m.data.length;
    if (end > ramTop) {
      throw new NotEnoughMemoryError(
        `module of ${mib(m.data.length)} MiB does not fit below ${hex(ramTop)} above the kernel: give the VM more memory`,
      );
    }
    modules.push({ start, end, cmdline: m.cmdline ?? '' });
    regions.push({ name: 'module', start, end });
    next = Math.ceil(end / 0x1000) * 0x1000;
  }
  const info = buildInfo(header, e820, ramTop, modules, options);
  regions.push({ name: 'multiboot information', start: MULTIBOOT_INFO_BASE, end: MULTIBOOT_INFO_BASE + info.length });
  const clash = findOverlap(regions);
  if (clash) throw new UnsupportedKernelError(`multiboot layout clash: ${clash[0].name} overlaps ${clash[1].name}`);

  // ---- everything checked: write guest memory ----
  for (const s of kernel.segments) {
    copyToGuest(memory, s.address, s.data);
    zeroGuest(memory, s.address + s.data.length, s.memEnd - s.address - s.data.length);
  }
  (options.modules ?? []).forEach((m, i) => copyToGuest(memory, modules[i].start, m.data));
  copyToGuest(memory, MULTIBOOT_INFO_BASE, info);
  const gdtr = writeFlatGdt(memory);
  return {
    kind: 'multiboot',
    entry: kernel.entry,
    infoAddress: MULTIBOOT_INFO_BASE,
    header,
    modules,
    // ESP is undefined by the spec; 0x7C00 gives a kernel that pushes before setting its own stack some room.
    cpu: protectedModeEntry(gdtr, kernel.entry, { eax: MULTIBOOT_BOOTLOADER_MAGIC, ebx: MULTIBOOT_INFO_BASE, esp: 0x7c00 }),
    regions,
  };
}

/** Builds the information structure (spec 3.3) with its tables and strings behind it. */
function buildInfo(
  header: MultibootHeader,
  e820: readonly E820Entry[],
  ramTop: number,
  modules: readonly { start: number; end: number; cmdline: string }[],
  options: MultibootOptions,
): Uint8Array {
  const out = new Uint8Array(INFO_AREA);
  const v = new DataView(out.buffer);
  let cursor = 0x80; // after the 116-byte structure
  const place = (bytes: Uint8Array, align = 4): number => {
    cursor = Math.ceil(cursor / align) * align;
    if (cursor + bytes.length > INFO_AREA) {
      throw new CommandLineTooLongError('multiboot command lines and module strings exceed the 64 KiB information area');
    }
    out.set(bytes, cursor);
    const at = MULTIBOOT_INFO_BASE + cursor;
    cursor += bytes.length;
    return at;
  };
  const cstr = (s: string): number => {
    const b = utf8(s);
    if (b.includes(0)) throw new CommandLineTooLongError('multiboot string contains a NUL byte');
    const z = new Uint8Array(b.length + 1);
    z.set(b);
    return place(z, 1);
  };
  let flags = MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER_NAME;
  // mem_lower: KiB from 0 (at most 640); mem_upper: KiB from 1 MiB to the first hole.
  v.setUint32(4, Math.min(640, Math.floor(usableEnd(e820, 0) / 1024)), true);
  v.setUint32(8, Math.max(0, Math.floor((ramTop - 0x100000) / 1024)), true);
  v.setUint32(16, cstr(options.cmdline ?? ''), true);
  v.setUint32(64, cstr(options.bootLoaderName ?? 'Ringmaster'), true);
  // mmap: entries of { u32 size (20, not counting itself), u64 base, u64 length, u32 type }.
  const mmap = new Uint8Array(e820.length * 24);
  const mv = new DataView(mmap.buffer);
  e820.forEach((e, i) => {
    const o = i * 24;
    mv.setUint32(o, 20, true);
    mv.setUint32(o + 4, e.base % 2 ** 32, true);
    mv.setUint32(o + 8, Math.floor(e.base / 2 ** 32), true);
    mv.setUint32(o + 12, e.length % 2 ** 32, true);
    mv.setUint32(o + 16, Math.floor(e.length / 2 ** 32), true);
    mv.setUint32(o + 20, e.type, true);
  });
  v.setUint32(44, mmap.length, true);
  v.setUint32(48, place(mmap), true);
  // Module list: { mod_start, mod_end (exclusive), string, reserved }.
  const strings = modules.map((m) => cstr(m.cmdline));
  const list = new Uint8Array(modules.length * 16);
  const lv = new DataView(list.buffer);
  modules.forEach((m, i) => {
    lv.setUint32(i * 16, m.start, true);
    lv.setUint32(i * 16 + 4, m.end, true);
    lv.setUint32(i * 16 + 8, strings[i], true);
  });
  v.setUint32(20, modules.length, true);
  v.setUint32(24, modules.length ? place(list) : 0, true);
  if (header.video) {
    // Only text mode exists at entry: describe the 80x25 EGA text screen (framebuffer_type 2).
    flags |= MBI_FRAMEBUFFER;
    v.setUint32(88, 0xb8000, true);
    v.setUint32(96, 160, true); // pitch
    v.setUint32(100, 80, true);
    v.setUint32(104, 25, true);
    out[108] = 16; // bpp
    out[109] = 2; // MULTIBOOT_FRAMEBUFFER_TYPE_EGA_TEXT
  }
  v.setUint32(0, flags, true);
  return out.subarray(0, Math.max(cursor, MBI_SIZE));
}
