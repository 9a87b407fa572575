// Guest physical address space of a PC: RAM in one ArrayBuffer, ROM regions, MMIO regions,
// the A20 gate, and tracking of written pages. Addresses are 32-bit physical addresses.
// Where WebAssembly exists the buffer is a WebAssembly.Memory holding RAM, the page tables
// below and an area for the CPU's state, so translated WebAssembly code (cpu/jit/emit-wasm.ts) can
// address all of them; views of it behave as plain typed arrays (the memory never grows).
// Nothing here throws on a guest access: unmapped reads return open-bus ones (0xFF...),
// unmapped writes are dropped and counted.

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
const PAGE_COUNT = 1 << (32 - PAGE_SHIFT); // pages in a 4 GiB physical space
/**
 * Bytes set aside for the CPU (PhysicalMemory.claimCpuArea): its TLB fast table, registers and
 * the translations' chain table (cpu/cpu-area.ts lays them out).
 */
export const CPU_AREA_BYTES = (4 << 20) + (64 << 10) + (512 << 10);
const WASM_PAGE = 65536;

/** What backs one 4 KiB physical page. */
export const enum PageKind {
  Unmapped = 0,
  Ram = 1,
  Rom = 2,
  Mmio = 3,
  /**
   * RAM that reads as RAM but drops writes: i440FX shadow RAM with PAM "read only" (82441FX
   * datasheet 3.2.18), where SeaBIOS runs from after write-protecting itself. Reads take the
   * same paths as RAM (`ram` at the physical address); writes are counted as ROM writes.
   */
  RamReadOnly = 4,
}

/** A device region in the physical address space. Offsets are relative to the region base. */
export interface MmioHandler {
  read8(offset: number): number;
  write8(offset: number, value: number): void;
  /** Optional wider handlers; when absent, the access is split into bytes (little-endian). */
  read16?(offset: number): number;
  write16?(offset: number, value: number): void;
  read32?(offset: number): number;
  write32?(offset: number, value: number): void;
}

export class MemoryMapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemoryMapError';
  }
}

interface MmioRegion {
  base: number;
  size: number;
  handler: MmioHandler;
  name: string;
}

interface RomRegion {
  base: number;
  data: Uint8Array;
  name: string;
}

export interface MemoryStats {
  unmappedReads: number;
  unmappedWrites: number;
  romWrites: number;
}

export class PhysicalMemory {
  /** Guest RAM, one buffer: physical address == offset for RAM pages. */
  readonly ram: Uint8Array;
  readonly ramSize: number;
  /** Per 4 KiB page: its PageKind. */
  readonly pageKind: Uint8Array;
  /** Per page: index into romRegions or mmioRegions (for ROM and MMIO pages). */
  private readonly pageRegion: Uint16Array;
  private readonly romRegions: RomRegion[] = [];
  private readonly mmioRegions: MmioRegion[] = [];
  /** Per RAM page: set to 1 on every write (cleared by whoever consumes it: snapshots, JIT). */
  readonly dirtyPages: Uint8Array;
  /** Per RAM page: 1 when the CPU holds translated/decoded code from it. */
  readonly codePages: Uint8Array;
  /** The memory all of the above live in, or null where WebAssembly is absent. */
  readonly wasmMemory: WebAssembly.Memory | null = null;
  private cpuArea: Uint8Array | null = null;
  /**
   * Called when a write hits a page marked in codePages, which is cleared first: the engine
   * drops what it cached from the written byte (`address`; undefined: the whole page) and may
   * mark the page again for what it keeps.
   */
  onCodeWrite: ((page: number, address?: number) => void) | null = null;
  /** Counts changes of pageKind (claim, unmap): caches of it (the CPU's TLB) compare. */
  mapGeneration = 0;
  /** Address mask applied to every access: bit 20 cleared while the A20 gate is off. */
  a20Mask = 0xffffffff;
  readonly stats: MemoryStats = { unmappedReads: 0, unmappedWrites: 0, romWrites: 0 };

  constructor(ramSize: number) {
    if (!Number.isInteger(ramSize) || ramSize < PAGE_SIZE || ramSize % PAGE_SIZE !== 0) {
      throw new MemoryMapError(`RAM size must be a positive multiple of 4 KiB, got ${ramSize}`);
    }
    if (ramSize > 0xe0000000) {
      throw new MemoryMapError(`RAM size ${ramSize} is above the 3.5 GiB a 32-bit PC can map`);
    }
    this.ramSize = ramSize;
    const pages = ramSize >>> PAGE_SHIFT;
    // RAM, pageKind, codePages, dirtyPages, then the CPU area (4 KiB aligned).
    // (Arithmetic, not bit operations: RAM may reach 3.5 GiB.)
    const cpuAt = Math.ceil((ramSize + PAGE_COUNT + 2 * pages) / PAGE_SIZE) * PAGE_SIZE;
    let buffer: ArrayBuffer | null = null;
    if (typeof WebAssembly === 'object') {
      const size = Math.ceil((cpuAt + CPU_AREA_BYTES) / WASM_PAGE);
      try {
        this.wasmMemory = new WebAssembly.Memory({ initial: size, maximum: size });
        buffer = this.wasmMemory.buffer;
        this.cpuArea = new Uint8Array(buffer, cpuAt, CPU_AREA_BYTES);
      } catch {
        buffer = null; // the host refuses a memory that large: plain arrays, JavaScript translations only
      }
    }
    if (buffer === null) buffer = new ArrayBuffer(cpuAt);
    this.ram = new Uint8Array(buffer, 0, ramSize);
    this.pageKind = new Uint8Array(buffer, ramSize, PAGE_COUNT);
    this.codePages = new Uint8Array(buffer, ramSize + PAGE_COUNT, pages);
    this.dirtyPages = new Uint8Array(buffer, ramSize + PAGE_COUNT + pages, pages);
    this.pageRegion = new Uint16Array(PAGE_COUNT);
    this.pageKind.fill(PageKind.Ram, 0, pages);
  }

  /**
   * The CPU_AREA_BYTES inside wasmMemory for the one CPU of this memory, or null (no
   * WebAssembly, or claimed already: a second CPU keeps its state in its own arrays).
   */
  claimCpuArea(): Uint8Array | null {
    const area = this.cpuArea;
    this.cpuArea = null;
    return area;
  }

  get a20Enabled(): boolean {
    return this.a20Mask === 0xffffffff;
  }

  setA20(enabled: boolean): void {
    this.a20Mask = enabled ? 0xffffffff : 0xffefffff;
  }

  /** Maps a read-only region (BIOS, option ROM). Overrides RAM/unmapped pages beneath it. */
  mapRom(base: number, data: Uint8Array, name = 'rom'): void {
    this.checkRange(base, data.length, name);
    // Re-mapping the same bytes at the same place reuses its slot (PAM and BAR toggles).
    let index = this.romRegions.findIndex((r) => r.base === base && r.data === data);
    if (index < 0) index = this.romRegions.push({ base, data, name }) - 1;
    this.claim(base, data.length, PageKind.Rom, index);
  }

  /**
   * Makes RAM pages read-only (PageKind.RamReadOnly): reads see `ram`, writes are dropped.
   * The range must lie inside RAM; unmap() makes it plain RAM again.
   */
  mapRamReadOnly(base: number, size: number): void {
    this.checkRange(base, size, 'ram-read-only');
    if (base + size > this.ramSize) {
      const range = `0x${base.toString(16)}+0x${size.toString(16)}`;
      throw new MemoryMapError(`ram-read-only: ${range} is beyond RAM (0x${this.ramSize.toString(16)} bytes)`);
    }
    this.claim(base, size, PageKind.RamReadOnly, 0);
  }

  /** Maps a device region. base and size must be 4 KiB aligned. */
  mapMmio(base: number, size: number, handler: MmioHandler, name = 'mmio'): void {
    this.checkRange(base, size, name);
    let index = this.mmioRegions.findIndex((r) => r.base === base && r.size === size && r.handler === handler);
    if (index < 0) index = this.mmioRegions.push({ base, size, handler, name }) - 1;
    this.claim(base, size, PageKind.Mmio, index);
  }

  /** Removes any ROM/MMIO mapping over the range; RAM shows through again where it exists. */
  unmap(base: number, size: number): void {
    this.checkRange(base, size, 'unmap');
    this.mapGeneration++;
    for (let p = base / PAGE_SIZE, end = (base + size) / PAGE_SIZE; p < end; p++) {
      this.pageKind[p] = p < this.ramSize >>> PAGE_SHIFT ? PageKind.Ram : PageKind.Unmapped;
    }
  }

  private checkRange(base: number, size: number, name: string): void {
    if (base % PAGE_SIZE !== 0 || size <= 0 || size % PAGE_SIZE !== 0 || base + size > 2 ** 32) {
      throw new MemoryMapError(
        `${name}: region 0x${base.toString(16)}+0x${size.toString(16)} must be 4 KiB aligned and inside 4 GiB`,
      );
    }
  }

  private claim(base: number, size: number, kind: PageKind, index: number): void {
    this.mapGeneration++;
    for (let p = base / PAGE_SIZE, end = (base + size) / PAGE_SIZE; p < end; p++) {
      this.pageKind[p] = kind;
      this.pageRegion[p] = index;
    }
  }

  // ---- byte access: the slow, general path (the CPU uses `ram` directly for RAM pages) ----

  read8(address: number): number {
    const a = (address & this.a20Mask) >>> 0;
    const page = a >>> PAGE_SHIFT;
    switch (this.pageKind[page]) {
      case PageKind.Ram:
      case PageKind.RamReadOnly:
        return this.ram[a];
      case PageKind.Rom: {
        const r = this.romRegions[this.pageRegion[page]];
        return r.data[a - r.base];
      }
      case PageKind.Mmio: {
        const r = this.mmioRegions[this.pageRegion[page]];
        return r.handler.read8(a - r.base) & 0xff;
      }
      default:
        this.stats.unmappedReads++;
        return 0xff;
    }
  }

  write8(address: number, value: number): void {
    const a = (address & this.a20Mask) >>> 0;
    const page = a >>> PAGE_SHIFT;
    switch (this.pageKind[page]) {
      case PageKind.Ram:
        this.ram[a] = value;
        this.dirtyPages[page] = 1;
        if (this.codePages[page] !== 0) this.codeWritten(page, a);
        return;
      case PageKind.Mmio: {
        const r = this.mmioRegions[this.pageRegion[page]];
        r.handler.write8(a - r.base, value & 0xff);
        return;
      }
      case PageKind.Rom:
      case PageKind.RamReadOnly:
        this.stats.romWrites++;
        return;
      default:
        this.stats.unmappedWrites++;
    }
  }

  private codeWritten(page: number, address: number): void {
    this.codePages[page] = 0;
    if (this.onCodeWrite) this.onCodeWrite(page, address);
  }

  /** True when [a, a+len) lies in one RAM page after A20 masking (the fast path applies). */
  private ramSpan(a: number, len: number): boolean {
    return (a & (PAGE_SIZE - 1)) <= PAGE_SIZE - len && this.pageKind[a >>> PAGE_SHIFT] === PageKind.Ram;
  }

  /** ramSpan for reads: read-only RAM pages read like RAM. */
  private ramReadSpan(a: number, len: number): boolean {
    if ((a & (PAGE_SIZE - 1)) > PAGE_SIZE - len) return false;
    const kind = this.pageKind[a >>> PAGE_SHIFT];
    return kind === PageKind.Ram || kind === PageKind.RamReadOnly;
  }

  read16(address: number): number {
    const a = (address & this.a20Mask) >>> 0;
    if (this.ramReadSpan(a, 2)) return this.ram[a] | (this.ram[a + 1] << 8);
    const region = this.mmioAt(a, 2);
    if (region?.handler.read16) return region.handler.read16(a - region.base) & 0xffff;
    return this.read8(address) | (this.read8(address + 1) << 8);
  }

  read32(address: number): number {
    const a = (address & this.a20Mask) >>> 0;
    if (this.ramReadSpan(a, 4)) {
      const r = this.ram;
      return (r[a] | (r[a + 1] << 8) | (r[a + 2] << 16) | (r[a + 3] << 24)) >>> 0;
    }
    const region = this.mmioAt(a, 4);
    if (region?.handler.read32) return region.handler.read32(a - region.base) >>> 0;
    return (this.read16(address) | (this.read16(address + 2) << 16)) >>> 0;
  }

  /** 64-bit read as a BigInt (rare: CMPXCHG8B, FPU, descriptors are read as two dwords). */
  read64(address: number): bigint {
    return BigInt(this.read32(address)) | (BigInt(this.read32(address + 4)) << 32n);
  }

  write16(address: number, value: number): void {
    const a = (address & this.a20Mask) >>> 0;
    if (this.ramSpan(a, 2) && this.codePages[a >>> PAGE_SHIFT] === 0) {
      this.ram[a] = value;
      this.ram[a + 1] = value >>> 8;
      this.dirtyPages[a >>> PAGE_SHIFT] = 1;
      return;
    }
    const region = this.mmioAt(a, 2);
    if (region?.handler.write16) {
      region.handler.write16(a - region.base, value & 0xffff);
      return;
    }
    this.write8(address, value);
    this.write8(address + 1, value >>> 8);
  }

  write32(address: number, value: number): void {
    const a = (address & this.a20Mask) >>> 0;
    if (this.ramSpan(a, 4) && this.codePages[a >>> PAGE_SHIFT] === 0) {
      const r = this.ram;
      r[a] = value;
      r[a + 1] = value >>> 8;
      r[a + 2] = value >>> 16;
      r[a + 3] = value >>> 24;
      this.dirtyPages[a >>> PAGE_SHIFT] = 1;
      return;
    }
    const region = this.mmioAt(a, 4);
    if (region?.handler.write32) {
      region.handler.write32(a - region.base, value >>> 0);
      return;
    }
    this.write16(address, value);
    this.write16(address + 2, value >>> 16);
  }

  write64(address: number, value: bigint): void {
    this.write32(address, Number(value & 0xffffffffn));
    this.write32(address + 4, Number((value >> 32n) & 0xffffffffn));
  }

  /** The MMIO region holding [a, a+len) entirely, if any. */
  private mmioAt(a: number, len: number): MmioRegion | undefined {
    const page = a >>> PAGE_SHIFT;
    if (this.pageKind[page] !== PageKind.Mmio) return undefined;
    const r = this.mmioRegions[this.pageRegion[page]];
    return a - r.base <= r.size - len ? r : undefined;
  }

  /** Copies bytes into guest memory through the normal write path (loaders, DMA). */
  writeBytes(address: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.write8(address + i, data[i]);
  }

  readBytes(address: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.read8(address + i);
    return out;
  }

  /**
   * For instruction fetch (read-only use): the array backing a RAM, read-only RAM or ROM page,
   * or null for MMIO and unmapped pages. Element 0 of the array is at physical pageBytesBase(page).
   */
  pageBytes(page: number): Uint8Array | null {
    const kind = this.pageKind[page];
    if (kind === PageKind.Ram || kind === PageKind.RamReadOnly) return this.ram;
    if (kind === PageKind.Rom) return this.romRegions[this.pageRegion[page]].data;
    return null;
  }

  pageBytesBase(page: number): number {
    return this.pageKind[page] === PageKind.Rom ? this.romRegions[this.pageRegion[page]].base : 0;
  }

  /** RAM contents and the A20 state for snapshots; ROM and MMIO belong to their owners. */
  saveState(): { version: 1; a20: boolean; ram: Uint8Array } {
    return { version: 1, a20: this.a20Enabled, ram: this.ram.slice() };
  }

  loadState(state: { version: number; a20: boolean; ram: Uint8Array }): void {
    if (state.version !== 1) throw new MemoryMapError(`unsupported memory state version ${state.version}`);
    if (state.ram.length !== this.ramSize) {
      throw new MemoryMapError(`snapshot RAM is ${state.ram.length} bytes, this machine has ${this.ramSize}`);
    }
    this.ram.set(state.ram);
    this.setA20(state.a20);
    this.dirtyPages.fill(1);
    this.codePages.fill(0);
  }
}
