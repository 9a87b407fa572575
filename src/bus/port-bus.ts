// Port I/O space of a PC (64 Ki ports). Devices register handlers per port and per access
// size; a wider access to a port that only has narrower handlers is split into consecutive
// narrower accesses, low byte first, as the ISA bus does. Unassigned ports read all ones.

export type PortRead = (port: number) => number;
export type PortWrite = (port: number, value: number) => void;

export interface PortHandlers {
  read8?: PortRead;
  write8?: PortWrite;
  read16?: PortRead;
  write16?: PortWrite;
  read32?: PortRead;
  write32?: PortWrite;
}

export class PortConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortConflictError';
  }
}

const PORT_COUNT = 0x10000;

export interface PortBusStats {
  unassignedReads: number;
  unassignedWrites: number;
}

export class PortBus {
  private readonly read8s: (PortRead | undefined)[] = new Array(PORT_COUNT);
  private readonly write8s: (PortWrite | undefined)[] = new Array(PORT_COUNT);
  private readonly read16s: (PortRead | undefined)[] = new Array(PORT_COUNT);
  private readonly write16s: (PortWrite | undefined)[] = new Array(PORT_COUNT);
  private readonly read32s: (PortRead | undefined)[] = new Array(PORT_COUNT);
  private readonly write32s: (PortWrite | undefined)[] = new Array(PORT_COUNT);
  private readonly owners: (string | undefined)[] = new Array(PORT_COUNT);
  readonly stats: PortBusStats = { unassignedReads: 0, unassignedWrites: 0 };
  /** Optional trace of unassigned accesses (for debugging guests); never throws. */
  onUnassigned: ((port: number, size: number, write: boolean, value: number) => void) | null = null;

  /** Registers handlers on `count` consecutive ports starting at `first`. */
  register(first: number, count: number, owner: string, handlers: PortHandlers): void {
    if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count <= 0 || first + count > PORT_COUNT) {
      throw new PortConflictError(`${owner}: port range 0x${first.toString(16)}+${count} is outside 0..0xFFFF`);
    }
    for (let p = first; p < first + count; p++) {
      const o = this.owners[p];
      if (o !== undefined && o !== owner) {
        throw new PortConflictError(`${owner}: port 0x${p.toString(16)} is already owned by ${o}`);
      }
    }
    for (let p = first; p < first + count; p++) {
      this.owners[p] = owner;
      if (handlers.read8) this.read8s[p] = handlers.read8;
      if (handlers.write8) this.write8s[p] = handlers.write8;
      if (handlers.read16) this.read16s[p] = handlers.read16;
      if (handlers.write16) this.write16s[p] = handlers.write16;
      if (handlers.read32) this.read32s[p] = handlers.read32;
      if (handlers.write32) this.write32s[p] = handlers.write32;
    }
  }

  /**
   * Removes `owner`'s handlers from `count` ports starting at `first` (ports held by another
   * owner are left alone), so a device whose PCI BAR moves can register at its new base.
   */
  unregister(first: number, count: number, owner: string): void {
    const end = Math.min(first + count, PORT_COUNT);
    for (let p = Math.max(first, 0); p < end; p++) {
      if (this.owners[p] !== owner) continue;
      this.owners[p] = undefined;
      this.read8s[p] = this.write8s[p] = undefined;
      this.read16s[p] = this.write16s[p] = undefined;
      this.read32s[p] = this.write32s[p] = undefined;
    }
  }

  ownerOf(port: number): string | undefined {
    return this.owners[port & 0xffff];
  }

  in8(port: number): number {
    port &= 0xffff;
    const h = this.read8s[port];
    if (h) return h(port) & 0xff;
    this.unassigned(port, 1, false, 0xff);
    return 0xff;
  }

  in16(port: number): number {
    port &= 0xffff;
    const h = this.read16s[port];
    if (h) return h(port) & 0xffff;
    return this.in8(port) | (this.in8(port + 1) << 8);
  }

  in32(port: number): number {
    port &= 0xffff;
    const h = this.read32s[port];
    if (h) return h(port) >>> 0;
    return (this.in16(port) | (this.in16(port + 2) << 16)) >>> 0;
  }

  out8(port: number, value: number): void {
    port &= 0xffff;
    const h = this.write8s[port];
    if (h) h(port, value & 0xff);
    else this.unassigned(port, 1, true, value & 0xff);
  }

  out16(port: number, value: number): void {
    port &= 0xffff;
    const h = this.write16s[port];
    if (h) {
      h(port, value & 0xffff);
      return;
    }
    this.out8(port, value);
    this.out8(port + 1, value >>> 8);
  }

  out32(port: number, value: number): void {
    port &= 0xffff;
    const h = this.write32s[port];
    if (h) {
      h(port, value >>> 0);
      return;
    }
    this.out16(port, value);
    this.out16(port + 2, value >>> 16);
  }

  private unassigned(port: number, size: number, write: boolean, value: number): void {
    if (write) this.stats.unassignedWrites++;
    else this.stats.unassignedReads++;
    if (this.onUnassigned) this.onUnassigned(port, size, write, value);
  }
}
