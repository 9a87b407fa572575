// Direct Linux boot: the x86 boot protocol (Linux Documentation/arch/x86/boot.rst) for
// bzImage kernels with protocol 2.02 or newer. parseBzImage() reads and checks the setup
// header; loadLinux() writes kernel, zero page (struct boot_params, zero-page.rst), command
// line and initrd into guest memory and returns the CPU entry state. No CPU is touched.

import type { PhysicalMemory } from '../memory/physical-memory.js';
import {
  CommandLineTooLongError,
  MiB,
  NotAKernelError,
  NotEnoughMemoryError,
  TruncatedImageError,
  UnsupportedKernelError,
  hex,
  mib,
} from './errors.js';
import { type E820Entry, defaultE820, usableEnd, writeE820Entry } from './e820.js';
import {
  type CpuEntryState,
  type LoadedRegion,
  findOverlap,
  protectedModeEntry,
  realModeEntry,
  copyToGuest,
  writeFlatGdt,
} from './entry.js';
import { utf8 } from './utf8.js';

// Setup header offsets (boot.rst "The Real-Mode Kernel Header"); the same offsets hold in
// the file and in struct boot_params.
const HDR_SETUP_SECTS = 0x1f1;
const HDR_SYSSIZE = 0x1f4;
const HDR_VID_MODE = 0x1fa;
const HDR_BOOT_FLAG = 0x1fe;
const HDR_JUMP = 0x200;
const HDR_HEADER = 0x202;
const HDR_VERSION = 0x206;
const HDR_KERNEL_VERSION = 0x20e;
const HDR_TYPE_OF_LOADER = 0x210;
const HDR_LOADFLAGS = 0x211;
const HDR_CODE32_START = 0x214;
const HDR_RAMDISK_IMAGE = 0x218;
const HDR_RAMDISK_SIZE = 0x21c;
const HDR_HEAP_END_PTR = 0x224;
const HDR_CMD_LINE_PTR = 0x228;
const HDR_INITRD_ADDR_MAX = 0x22c;
const HDR_KERNEL_ALIGNMENT = 0x230;
const HDR_RELOCATABLE = 0x234;
const HDR_MIN_ALIGNMENT = 0x235;
const HDR_XLOADFLAGS = 0x236;
const HDR_CMDLINE_SIZE = 0x238;
const HDR_PREF_ADDRESS = 0x258;
const HDR_INIT_SIZE = 0x260;
/** struct boot_params: the setup header ends before edd_mbr_sig_buffer at 0x290. */
const HDR_LIMIT = 0x290;

const BOOT_FLAG = 0xaa55;
const HDRS = 0x53726448; // "HdrS"
const LOADED_HIGH = 0x01;
const CAN_USE_HEAP = 0x80;

// struct boot_params fields outside the setup header (zero-page.rst).
const BP_SCREEN_INFO = 0x000;
const BP_ACPI_RSDP_ADDR = 0x070;
const BP_ALT_MEM_K = 0x1e0;
const BP_E820_ENTRIES = 0x1e8;
const BP_E820_TABLE = 0x2d0;
const E820_MAX_ENTRIES_ZEROPAGE = 128;
const BOOT_PARAMS_SIZE = 0x1000;

/** Fields of the setup header this loader reads. Fields absent in older protocols hold their documented defaults. */
export interface SetupHeader {
  /** Protocol version, e.g. 0x020f for 2.15. */
  version: number;
  setupSects: number;
  /** Size of the protected-mode code in 16-byte paragraphs (2.04+; 0 before). */
  syssize: number;
  loadflags: number;
  code32Start: number;
  /** Highest address the initrd may occupy (0x37FFFFFF before 2.03). */
  initrdAddrMax: number;
  kernelAlignment: number;
  relocatable: boolean;
  minAlignment: number;
  xloadflags: number;
  /** Longest command line without the NUL (255 before 2.06). */
  cmdlineSize: number;
  prefAddress: number;
  initSize: number;
  /** Offset (in the file) of the NUL-terminated version string, or -1. */
  kernelVersionOffset: number;
  /** End of the setup header in the file: 0x202 + the jump's displacement byte. */
  headerEnd: number;
}

export interface BzImage {
  header: SetupHeader;
  /** The whole file. */
  image: Uint8Array;
  /** Bytes of real-mode code: (setup_sects + 1) * 512. */
  setupSize: number;
  /** The protected-mode kernel (file bytes after the real-mode code). */
  kernel: Uint8Array;
  /** Human-readable version string from the image, if any. */
  kernelVersion: string | null;
}

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function u64(b: Uint8Array, o: number): number {
  return u32(b, o) + u32(b, o + 4) * 2 ** 32;
}

/** "2.15" for 0x020f. */
export function versionString(v: number): string {
  return `${v >> 8}.${(v & 0xff).toString().padStart(2, '0')}`;
}

/** Reads and checks a bzImage's setup header (boot.rst "Details of Header Fields"). */
export function parseBzImage(image: Uint8Array): BzImage {
  if (image.length < 0x400) {
    if (image.length >= 0x206 && u32(image, HDR_HEADER) === HDRS) {
      throw new TruncatedImageError(`truncated kernel: the boot sector and header need 1024 bytes, file has ${image.length}`);
    }
    throw new NotAKernelError(`not a bzImage: the file is only ${image.length} bytes (a kernel starts with 1024 bytes of boot sector and header)`);
  }
  if (u16(image, HDR_BOOT_FLAG) !== BOOT_FLAG) {
    throw new NotAKernelError('not a bzImage: missing boot flag 0xAA55 at offset 0x1FE');
  }
  if (u32(image, HDR_HEADER) !== HDRS) {
    throw new NotAKernelError('not a bzImage: missing HdrS signature');
  }
  const version = u16(image, HDR_VERSION);
  if (version < 0x0202) {
    throw new UnsupportedKernelError(`kernel boot protocol ${versionString(version)} is too old (need 2.02+)`);
  }
  const loadflags = image[HDR_LOADFLAGS];
  if ((loadflags & LOADED_HIGH) === 0) {
    throw new NotAKernelError('not a bzImage: a zImage kernel (loaded low, LOADED_HIGH clear) is not supported');
  }
  // setup_sects: 0 means 4 (boot.rst note 1).
  const setupSects = image[HDR_SETUP_SECTS] === 0 ? 4 : image[HDR_SETUP_SECTS];
  const setupSize = (setupSects + 1) * 512;
  const syssize = version >= 0x0204 ? u32(image, HDR_SYSSIZE) : 0;
  // syssize is rounded up to a paragraph, so the file may be up to 15 bytes shorter.
  const expected = setupSize + syssize * 16;
  if (image.length < setupSize || image.length + 15 < expected) {
    throw new TruncatedImageError(`truncated kernel: setup says ${Math.max(expected, setupSize)} bytes, file has ${image.length}`);
  }
  const headerEnd = Math.min(HDR_HEADER + image[HDR_JUMP + 1], HDR_LIMIT);
  const has = (offset: number, size: number): boolean => offset + size <= headerEnd;
  const kvo = u16(image, HDR_KERNEL_VERSION);
  const header: SetupHeader = {
    version,
    setupSects,
    syssize,
    loadflags,
    code32Start: u32(image, HDR_CODE32_START),
    initrdAddrMax: version >= 0x0203 && has(HDR_INITRD_ADDR_MAX, 4) ? u32(image, HDR_INITRD_ADDR_MAX) : 0x37ffffff,
    kernelAlignment: version >= 0x0205 && has(HDR_KERNEL_ALIGNMENT, 4) ? u32(image, HDR_KERNEL_ALIGNMENT) : 0,
    relocatable: version >= 0x0205 && has(HDR_RELOCATABLE, 1) ? image[HDR_RELOCATABLE] !== 0 : false,
    minAlignment: version >= 0x020a && has(HDR_MIN_ALIGNMENT, 1) ? image[HDR_MIN_ALIGNMENT] : 0,
    xloadflags: version >= 0x020c && has(HDR_XLOADFLAGS, 2) ? u16(image, HDR_XLOADFLAGS) : 0,
    cmdlineSize: version >= 0x0206 && has(HDR_CMDLINE_SIZE, 4) ? u32(image, HDR_CMDLINE_SIZE) : 255,
    prefAddress: version >= 0x020a && has(HDR_PREF_ADDRESS, 8) ? u64(image, HDR_PREF_ADDRESS) : 0,
    initSize: version >= 0x020a && has(HDR_INIT_SIZE, 4) ? u32(image, HDR_INIT_SIZE) : 0,
    kernelVersionOffset: kvo !== 0 && kvo + 0x200 < setupSize ? kvo + 0x200 : -1,
    headerEnd,
  };
  let kernelVersion: string | null = null;
  if (header.kernelVersionOffset >= 0) {
    let end = header.kernelVersionOffset;
    while (end < setupSize && image[end] !== 0) end++;
    kernelVersion = String.fromCharCode(...image.subarray(header.kernelVersionOffset, Math.min(end, header.kernelVersionOffset + 256)));
  }
  return { header, image, setupSize, kernel: image.subarray(setupSize), kernelVersion };
}

export interface LinuxBootOptions {
  cmdline?: string;
  initrd?: Uint8Array;
  /** The board's memory map; defaultE820(memory.ramSize) when absent. */
  e820?: readonly E820Entry[];
  /**
   * 'protected32' (default): the 32-bit boot protocol, no BIOS needed.
   * 'real16': load the real-mode setup too and enter it at seg+0x20:0 (needs a BIOS).
   */
  entry?: 'protected32' | 'real16';
  /** vid_mode for the real-mode setup: 0xFFFF "normal" (keep the 80x25 text mode). */
  vidMode?: number;
  /** Where the board put the ACPI RSDP: boot_params.acpi_rsdp_addr (zero-page.rst 0x070), saves the scan. */
  acpiRsdpAddress?: number;
}

export interface LinuxBootPlan {
  kind: 'linux';
  /** 32-bit entry point: code32_start (or the real-mode entry's linear address). */
  entry: number;
  /** Address of struct boot_params, handed over in ESI. */
  esi: number;
  zeroPage: number;
  cmdLineAddress: number;
  kernel: { address: number; size: number };
  initrd: { address: number; size: number } | null;
  header: SetupHeader;
  kernelVersion: string | null;
  cpu: CpuEntryState;
  regions: LoadedRegion[];
}

// Layout in low memory (boot.rst "Memory Layout", the modern bzImage layout with X = 0x10000):
// X..X+0x7FFF real-mode code (or just the zero page), X+0x8000..X+0xDFFF stack/heap,
// X+0xE000..X+0xFFFF command line. The GDT sits at 0x500, below the boot-sector area.
export const REAL_MODE_BASE = 0x10000;
const HEAP_END = 0xe000;
const CMDLINE_OFFSET = 0xe000;
const CMDLINE_AREA = 0x2000;
export const KERNEL_LOAD_ADDRESS = 0x100000;
/** A 32-bit kernel's direct mapping ends at 896 MiB; an initrd above it would be copied or lost. */
const LOWMEM_LIMIT = 0x38000000;

function alignUp(v: number, a: number): number {
  return a > 1 ? Math.ceil(v / a) * a : v;
}

/**
 * Loads a bzImage for direct boot and returns how to enter it. Checks every size against the
 * guest's RAM first, so a refused kernel leaves memory untouched.
 */
export function loadLinux(memory: PhysicalMemory, image: Uint8Array | BzImage, options: LinuxBootOptions = {}): LinuxBootPlan {
  const bz = image instanceof Uint8Array ? parseBzImage(image) : image;
  const h = bz.header;
  const e820 = options.e820 ?? defaultE820(memory.ramSize);
  const ramTop = Math.min(usableEnd(e820, KERNEL_LOAD_ADDRESS), memory.ramSize);

  // Command line: at most cmdline_size characters plus the NUL (boot.rst "cmdline_size").
  const cmdline = utf8(options.cmdline ?? '');
  const cmdMax = Math.min(h.cmdlineSize, CMDLINE_AREA - 1);
  if (cmdline.length > cmdMax) {
    throw new CommandLineTooLongError(`command line is ${cmdline.length} bytes, this kernel accepts at most ${cmdMax}`);
  }
  if (cmdline.includes(0)) throw new CommandLineTooLongError('command line contains a NUL byte');

  const kernelStart = KERNEL_LOAD_ADDRESS;
  const kernelEnd = kernelStart + bz.kernel.length;
  if (kernelEnd > ramTop) {
    throw new NotEnoughMemoryError(
      `kernel of ${mib(bz.kernel.length)} MiB does not fit in ${mib(ramTop)} MiB of RAM: give the VM more memory`,
    );
  }
  // Where the kernel decompresses and runs (boot.rst "init_size"): it needs init_size bytes there.
  const runtimeStart = h.relocatable
    ? Math.max(alignUp(kernelStart, h.kernelAlignment), kernelStart)
    : h.prefAddress !== 0
      ? h.prefAddress
      : kernelStart;
  const runtimeEnd = runtimeStart + Math.max(h.initSize, bz.kernel.length);
  if (runtimeEnd > ramTop) {
    throw new NotEnoughMemoryError(
      `kernel needs ${mib(runtimeEnd)} MiB of RAM to start (it unpacks ${mib(h.initSize)} MiB at ${hex(runtimeStart)}), ` +
        `the VM has ${mib(ramTop)} MiB: give the VM more memory`,
    );
  }

  // initrd: page-aligned, as high as allowed (boot.rst "initrd_addr_max": the highest byte).
  let initrd: { address: number; size: number } | null = null;
  if (options.initrd && options.initrd.length > 0) {
    const size = options.initrd.length;
    const ceiling = Math.min(h.initrdAddrMax + 1, LOWMEM_LIMIT, ramTop);
    const floor = alignUp(Math.max(kernelEnd, runtimeEnd), 0x1000);
    const address = Math.floor((ceiling - size) / 0x1000) * 0x1000;
    if (address < floor) {
      // More RAM helps only when RAM, not the kernel's own limit, is the ceiling.
      const why = ceiling < ramTop ? `the kernel's initrd limit` : 'the top of RAM';
      throw new NotEnoughMemoryError(
        `initrd of ${mib(size)} MiB does not fit below ${hex(ceiling)} (${why}) above the kernel (which uses up to ${hex(floor)})` +
          (ceiling < ramTop ? '' : ': give the VM more memory'),
      );
    }
    initrd = { address, size };
  }
  if (e820.length > E820_MAX_ENTRIES_ZEROPAGE) {
    throw new UnsupportedKernelError(`memory map has ${e820.length} entries, the zero page holds ${E820_MAX_ENTRIES_ZEROPAGE}`);
  }

  const mode = options.entry ?? 'protected32';
  const zeroPage = REAL_MODE_BASE;
  const cmdLineAddress = REAL_MODE_BASE + CMDLINE_OFFSET;
  const regions: LoadedRegion[] = [
    { name: 'gdt', start: 0x500, end: 0x520 },
    { name: mode === 'real16' ? 'real-mode setup' : 'zero page', start: zeroPage, end: zeroPage + (mode === 'real16' ? bz.setupSize : BOOT_PARAMS_SIZE) },
    { name: 'command line', start: cmdLineAddress, end: cmdLineAddress + cmdline.length + 1 },
    { name: 'kernel', start: kernelStart, end: kernelEnd },
  ];
  if (initrd) regions.push({ name: 'initrd', start: initrd.address, end: initrd.address + initrd.size });
  const clash = findOverlap(regions);
  if (clash) throw new UnsupportedKernelError(`kernel layout clash: ${clash[0].name} overlaps ${clash[1].name}`);

  // ---- everything checked: write guest memory ----
  const zp = buildZeroPage(bz, { mode, e820, ramTop, cmdLineAddress, initrd, vidMode: options.vidMode ?? 0xffff, acpiRsdpAddress: options.acpiRsdpAddress ?? 0 });
  copyToGuest(memory, zeroPage, zp);
  const cmdBytes = new Uint8Array(cmdline.length + 1);
  cmdBytes.set(cmdline);
  copyToGuest(memory, cmdLineAddress, cmdBytes);
  copyToGuest(memory, kernelStart, bz.kernel);
  if (initrd && options.initrd) copyToGuest(memory, initrd.address, options.initrd);
  const gdtr = writeFlatGdt(memory);

  const cpu =
    mode === 'real16'
      ? // boot.rst "Running the Kernel": cs = seg + 0x20, ip 0, ds=es=fs=gs=ss=seg, sp = heap end.
        realModeEntry((REAL_MODE_BASE >> 4) + 0x20, 0, REAL_MODE_BASE >> 4, HEAP_END)
      : // boot.rst "32-bit Boot Protocol": esi = boot_params, ebp = edi = ebx = 0.
        protectedModeEntry(gdtr, h.code32Start, { esi: zeroPage, esp: REAL_MODE_BASE + HEAP_END });
  return {
    kind: 'linux',
    entry: mode === 'real16' ? REAL_MODE_BASE + 0x200 : h.code32Start,
    esi: zeroPage,
    zeroPage,
    cmdLineAddress,
    kernel: { address: kernelStart, size: bz.kernel.length },
    initrd,
    header: h,
    kernelVersion: bz.kernelVersion,
    cpu,
    regions,
  };
}

interface ZeroPageInputs {
  mode: 'protected32' | 'real16';
  e820: readonly E820Entry[];
  ramTop: number;
  cmdLineAddress: number;
  initrd: { address: number; size: number } | null;
  vidMode: number;
  acpiRsdpAddress: number;
}

/**
 * struct boot_params (zero-page.rst). For the 32-bit protocol: zeroed, the setup header
 * copied from the file to 0x1F1.., plus screen_info, memory sizes and the e820 table. For
 * real mode: the real-mode code itself, with only the header fields patched (the setup
 * code asks the BIOS for the memory map and video state).
 */
function buildZeroPage(bz: BzImage, z: ZeroPageInputs): Uint8Array {
  const h = bz.header;
  const out = z.mode === 'real16' ? bz.image.slice(0, bz.setupSize) : new Uint8Array(BOOT_PARAMS_SIZE);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (z.mode === 'protected32') {
    out.set(bz.image.subarray(HDR_SETUP_SECTS, h.headerEnd), HDR_SETUP_SECTS);
    // screen_info: 80x25 colour text, cursor at 0,0, 16-line font (include/uapi/linux/screen_info.h).
    out[BP_SCREEN_INFO + 0x06] = 3; // orig_video_mode
    out[BP_SCREEN_INFO + 0x07] = 80; // orig_video_cols
    out[BP_SCREEN_INFO + 0x0e] = 25; // orig_video_lines
    out[BP_SCREEN_INFO + 0x0f] = 1; // orig_video_isVGA
    v.setUint16(BP_SCREEN_INFO + 0x10, 16, true); // orig_video_points
    const extKb = Math.max(0, Math.floor((z.ramTop - MiB) / 1024));
    v.setUint16(BP_SCREEN_INFO + 0x02, Math.min(extKb, 0xffff), true); // ext_mem_k
    v.setUint32(BP_ALT_MEM_K, extKb, true);
    v.setUint32(BP_ACPI_RSDP_ADDR, z.acpiRsdpAddress, true);
    out[BP_E820_ENTRIES] = z.e820.length;
    z.e820.forEach((e, i) => writeE820Entry(v, BP_E820_TABLE + i * 20, e));
  }
  if (out[HDR_SETUP_SECTS] === 0) out[HDR_SETUP_SECTS] = 4;
  v.setUint16(HDR_VID_MODE, z.vidMode, true);
  out[HDR_TYPE_OF_LOADER] = 0xff; // no assigned loader id (boot.rst "type_of_loader")
  out[HDR_LOADFLAGS] = (h.loadflags | CAN_USE_HEAP) & 0xff;
  v.setUint16(HDR_HEAP_END_PTR, HEAP_END - 0x200, true);
  v.setUint32(HDR_CMD_LINE_PTR, z.cmdLineAddress, true);
  v.setUint32(HDR_RAMDISK_IMAGE, z.initrd?.address ?? 0, true);
  v.setUint32(HDR_RAMDISK_SIZE, z.initrd?.size ?? 0, true);
  return out;
}

