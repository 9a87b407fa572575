// One PCI function's 256-byte type-0 configuration space (PCI Local Bus Specification 3.0,
// chapter 6): the header with read-only identity, the Command register's decode enables, Status
// bits that are cleared by writing one, Base Address Registers sized by writing all ones
// (6.2.5.1), the expansion ROM BAR (6.2.5.2) and the interrupt line/pin. Devices subclass it or
// wrap it; they learn where the guest placed a BAR through onBarChange and the board maps
// ports or MMIO there. Device-specific registers (0x40-0xFF) are plain read/write bytes unless
// the subclass narrows their write mask, as QEMU does.

export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
export const PCI_REVISION_ID = 0x08;
export const PCI_CLASS_PROG = 0x09;
export const PCI_CACHE_LINE_SIZE = 0x0c;
export const PCI_LATENCY_TIMER = 0x0d;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BAR0 = 0x10;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_SUBSYSTEM_ID = 0x2e;
export const PCI_ROM_ADDRESS = 0x30;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;

// Command register bits (6.2.2).
export const CMD_IO = 0x0001;
export const CMD_MEMORY = 0x0002;
export const CMD_MASTER = 0x0004;
export const CMD_PARITY = 0x0040;
export const CMD_SERR = 0x0100;
export const CMD_INTX_DISABLE = 0x0400;
const CMD_WRITABLE = CMD_IO | CMD_MEMORY | CMD_MASTER | CMD_PARITY | CMD_SERR | CMD_INTX_DISABLE;

// Status register bits (6.2.3).
export const STS_INTERRUPT = 0x0008;
export const STS_FAST_BACK = 0x0080;
export const STS_DEVSEL_MEDIUM = 0x0200;
/** Error bits, cleared by writing 1: parity reported, target aborts, master abort, SERR, parity. */
export const STS_W1C = 0xf900;

export const HEADER_MULTI_FUNCTION = 0x80;
export const ROM_ENABLE = 0x01;
/** BAR index of the expansion ROM in onBarChange/barAddress. */
export const ROM_BAR = 6;

export type PciBarKind = 'io' | 'mem';

export interface PciBarSpec {
  kind: PciBarKind;
  /** Power of two: I/O at least 4 bytes, memory at least 16 (the board needs 4 KiB to map it). */
  size: number;
  prefetchable?: boolean;
}

export interface PciIdentity {
  vendor: number;
  device: number;
  revision?: number;
  /** Base class << 16 | sub-class << 8 | programming interface. */
  classCode: number;
  /** 0x80 on function 0 of a multi-function device. */
  headerType?: number;
  subsystemVendor?: number;
  subsystem?: number;
  /** 1-4 for INTA#-INTD#, 0 for none. */
  interruptPin?: number;
  command?: number;
  status?: number;
  /** BAR0-BAR5; null or absent entries are unimplemented (read as zero). */
  bars?: readonly (PciBarSpec | null)[];
  /** Expansion ROM size in bytes (power of two, at least 2 KiB); 0 for none. */
  romSize?: number;
}

export class PciConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PciConfigError';
  }
}

const NO_ADDRESS = -1;

export class PciFunction {
  readonly config = new Uint8Array(256);
  /** Bits a configuration write may change. */
  readonly writeMask = new Uint8Array(256);
  /** Bits a configuration write of 1 clears. */
  readonly w1cMask = new Uint8Array(256);
  /** BAR0-5 and the ROM (index 6). */
  readonly bars: (PciBarSpec | null)[] = [null, null, null, null, null, null, null];
  /** Where the guest placed each BAR while decoding is on (address), or null. */
  onBarChange: ((bar: number, address: number | null) => void) | null = null;
  /** Set by the bus: the level this function drives on its INTx# pin. */
  intxSink: ((level: boolean) => void) | null = null;
  private readonly defaults = new Uint8Array(256);
  private readonly mapped = new Array<number>(7).fill(NO_ADDRESS);
  private intx = false;

  constructor(
    readonly name: string,
    id: PciIdentity,
  ) {
    const c = this.config;
    this.set16(PCI_VENDOR_ID, id.vendor);
    this.set16(PCI_DEVICE_ID, id.device);
    c[PCI_REVISION_ID] = id.revision ?? 0;
    c[PCI_CLASS_PROG] = id.classCode & 0xff;
    c[PCI_CLASS_PROG + 1] = (id.classCode >>> 8) & 0xff;
    c[PCI_CLASS_PROG + 2] = (id.classCode >>> 16) & 0xff;
    c[PCI_HEADER_TYPE] = id.headerType ?? 0;
    this.set16(PCI_SUBSYSTEM_VENDOR_ID, id.subsystemVendor ?? 0);
    this.set16(PCI_SUBSYSTEM_ID, id.subsystem ?? 0);
    c[PCI_INTERRUPT_PIN] = id.interruptPin ?? 0;
    this.set16(PCI_COMMAND, id.command ?? 0);
    this.set16(PCI_STATUS, id.status ?? 0);
    this.setMask16(this.writeMask, PCI_COMMAND, CMD_WRITABLE);
    this.setMask16(this.w1cMask, PCI_STATUS, STS_W1C);
    this.writeMask[PCI_CACHE_LINE_SIZE] = 0xff;
    this.writeMask[PCI_LATENCY_TIMER] = 0xff;
    this.writeMask[PCI_INTERRUPT_LINE] = 0xff;
    this.writeMask.fill(0xff, 0x40);
    (id.bars ?? []).forEach((bar, i) => {
      if (bar) this.defineBar(i, bar);
    });
    if (id.romSize) this.defineBar(ROM_BAR, { kind: 'mem', size: id.romSize });
    this.commitDefaults();
  }

  /** Declares a BAR: its type bits are read-only, its address bits writable above the size. */
  protected defineBar(index: number, bar: PciBarSpec): void {
    const size = bar.size;
    const min = index === ROM_BAR ? 0x800 : bar.kind === 'io' ? 4 : 16;
    if (!Number.isInteger(size) || size < min || (size & (size - 1)) !== 0 || size > 0x80000000) {
      throw new PciConfigError(`${this.name}: BAR ${index} size ${size} must be a power of two of at least ${min}`);
    }
    const offset = index === ROM_BAR ? PCI_ROM_ADDRESS : PCI_BAR0 + 4 * index;
    let low = 0;
    let mask = ~(size - 1) >>> 0;
    if (index === ROM_BAR) mask = (mask | ROM_ENABLE) >>> 0;
    else if (bar.kind === 'io') low = 0x01;
    else if (bar.prefetchable) low = 0x08;
    this.bars[index] = bar;
    this.set32(offset, low);
    for (let i = 0; i < 4; i++) this.writeMask[offset + i] = (mask >>> (8 * i)) & 0xff;
  }

  /** Takes the current registers as the power-on values (subclasses call it after their own). */
  protected commitDefaults(): void {
    this.defaults.set(this.config);
  }

  // ---- configuration access (from the bus) ----

  /** Reads `size` (1, 2 or 4) bytes at `offset`, little-endian; bytes past 0xFF read as zero. */
  readConfig(offset: number, size: number): number {
    let v = 0;
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      if (o < 256) v |= this.readByte(o) << (8 * i);
    }
    return size === 4 ? v >>> 0 : v;
  }

  /** A byte as the guest sees it; subclasses may compute live values. */
  protected readByte(offset: number): number {
    return this.config[offset];
  }

  writeConfig(offset: number, value: number, size: number): void {
    const end = Math.min(offset + size, 256);
    const oldCommand = this.get16(PCI_COMMAND);
    for (let o = offset; o < end; o++) {
      const b = (value >>> (8 * (o - offset))) & 0xff;
      const wm = this.writeMask[o];
      let v = (this.config[o] & ~wm) | (b & wm);
      v &= ~(b & this.w1cMask[o]);
      this.config[o] = v;
    }
    const touches = (first: number, length: number): boolean => offset < first + length && first < end;
    if (touches(PCI_COMMAND, 2) || touches(PCI_BAR0, 24) || touches(PCI_ROM_ADDRESS, 4)) this.updateBars();
    if ((oldCommand ^ this.get16(PCI_COMMAND)) & CMD_INTX_DISABLE) this.driveIntx();
    this.configWritten(offset, end - offset);
  }

  /** Called after every configuration write, for registers with side effects. */
  protected configWritten(_offset: number, _size: number): void {}

  /** Re-derives hardware state (mappings, routing) from the registers after reset or restore. */
  protected applyConfig(): void {}

  // ---- BARs ----

  /** Where BAR `index` (6 = ROM) decodes now, or null when it does not decode. */
  barAddress(index: number): number | null {
    const a = this.mapped[index];
    return a === NO_ADDRESS ? null : a;
  }

  /** Address a BAR decodes, following QEMU's pci_bar_address: disabled, zero or wrapping = none. */
  private decodeBar(index: number): number {
    const bar = this.bars[index];
    if (!bar) return NO_ADDRESS;
    const command = this.get16(PCI_COMMAND);
    if (index === ROM_BAR) {
      const v = this.get32(PCI_ROM_ADDRESS);
      if (!(command & CMD_MEMORY) || !(v & ROM_ENABLE)) return NO_ADDRESS;
      return this.checkRange((v & ~(bar.size - 1)) >>> 0, bar.size, 2 ** 32);
    }
    const v = this.get32(PCI_BAR0 + 4 * index);
    if (bar.kind === 'io') {
      if (!(command & CMD_IO)) return NO_ADDRESS;
      return this.checkRange((v & ~(bar.size - 1) & ~3) >>> 0, bar.size, 0x10000);
    }
    if (!(command & CMD_MEMORY)) return NO_ADDRESS;
    return this.checkRange((v & ~(bar.size - 1) & ~0xf) >>> 0, bar.size, 2 ** 32);
  }

  private checkRange(address: number, size: number, limit: number): number {
    // Zero is "not assigned"; a range reaching the top (a size probe's all-ones) is unmapped.
    if (address === 0 || address + size >= limit) return NO_ADDRESS;
    return address;
  }

  private updateBars(): void {
    for (let i = 0; i < 7; i++) {
      const a = this.decodeBar(i);
      if (a === this.mapped[i]) continue;
      this.mapped[i] = a;
      this.onBarChange?.(i, a === NO_ADDRESS ? null : a);
    }
  }

  // ---- INTx ----

  /** The function's interrupt output (level-triggered, active while `level`). */
  setIntx(level: boolean): void {
    this.intx = level;
    if (level) this.config[PCI_STATUS] |= STS_INTERRUPT;
    else this.config[PCI_STATUS] &= ~STS_INTERRUPT;
    this.driveIntx();
  }

  /** The level on the pin: the request unless Interrupt Disable is set (6.2.2). */
  get intxLevel(): boolean {
    return this.intx && (this.get16(PCI_COMMAND) & CMD_INTX_DISABLE) === 0;
  }

  private driveIntx(): void {
    this.intxSink?.(this.intxLevel);
  }

  // ---- lifecycle ----

  reset(): void {
    this.config.set(this.defaults);
    this.intx = false;
    this.driveIntx();
    this.updateBars();
    this.applyConfig();
  }

  saveConfig(): Uint8Array {
    return this.config.slice();
  }

  loadConfig(bytes: Uint8Array, intx: boolean): void {
    if (!(bytes instanceof Uint8Array) || bytes.length !== 256) {
      throw new PciConfigError(`${this.name}: saved configuration space must be 256 bytes`);
    }
    this.config.set(bytes);
    this.intx = intx;
    this.driveIntx();
    this.updateBars();
    this.applyConfig();
  }

  get intxRequested(): boolean {
    return this.intx;
  }

  // ---- little-endian helpers ----

  get16(offset: number): number {
    return this.config[offset] | (this.config[offset + 1] << 8);
  }

  get32(offset: number): number {
    const c = this.config;
    return (c[offset] | (c[offset + 1] << 8) | (c[offset + 2] << 16) | (c[offset + 3] << 24)) >>> 0;
  }

  protected set16(offset: number, value: number): void {
    this.config[offset] = value & 0xff;
    this.config[offset + 1] = (value >>> 8) & 0xff;
  }

  protected set32(offset: number, value: number): void {
    this.set16(offset, value & 0xffff);
    this.set16(offset + 2, value >>> 16);
  }

  protected setMask16(mask: Uint8Array, offset: number, value: number): void {
    mask[offset] = value & 0xff;
    mask[offset + 1] = (value >>> 8) & 0xff;
  }
}
