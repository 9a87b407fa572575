// QEMU's firmware configuration device (QEMU docs/specs/fw_cfg.rst): a selector register,
// a byte-wide data register and the DMA interface, over a table of items (numbered keys and
// named files). The Debian SeaBIOS build (src/fw/paravirt.c, src/boot.c) reads from it the
// memory map, CPU counts, boot menu and order settings. The device knows no port numbers:
// the board maps selector (x86: 0x510, 16-bit), data (0x511) and DMA address (0x514, 8 bytes).

import { PageKind, type PhysicalMemory } from '../memory/physical-memory.js';
import { type Device, type DeviceState, checkVersion } from '../bus/device.js';

// Well-known keys (QEMU include/standard-headers/linux/qemu_fw_cfg.h).
export const FW_CFG_SIGNATURE = 0x00;
export const FW_CFG_ID = 0x01;
export const FW_CFG_UUID = 0x02;
export const FW_CFG_RAM_SIZE = 0x03;
export const FW_CFG_NOGRAPHIC = 0x04;
export const FW_CFG_NB_CPUS = 0x05;
export const FW_CFG_MACHINE_ID = 0x06;
export const FW_CFG_KERNEL_ADDR = 0x07;
export const FW_CFG_KERNEL_SIZE = 0x08;
export const FW_CFG_KERNEL_CMDLINE = 0x09;
export const FW_CFG_INITRD_ADDR = 0x0a;
export const FW_CFG_INITRD_SIZE = 0x0b;
export const FW_CFG_BOOT_DEVICE = 0x0c;
export const FW_CFG_NUMA = 0x0d;
export const FW_CFG_BOOT_MENU = 0x0e;
export const FW_CFG_MAX_CPUS = 0x0f;
export const FW_CFG_KERNEL_ENTRY = 0x10;
export const FW_CFG_KERNEL_DATA = 0x11;
export const FW_CFG_INITRD_DATA = 0x12;
export const FW_CFG_CMDLINE_ADDR = 0x13;
export const FW_CFG_CMDLINE_SIZE = 0x14;
export const FW_CFG_CMDLINE_DATA = 0x15;
export const FW_CFG_SETUP_ADDR = 0x16;
export const FW_CFG_SETUP_SIZE = 0x17;
export const FW_CFG_SETUP_DATA = 0x18;
export const FW_CFG_FILE_DIR = 0x19;
export const FW_CFG_FILE_FIRST = 0x20;
export const FW_CFG_WRITE_CHANNEL = 0x4000;
export const FW_CFG_ARCH_LOCAL = 0x8000;
const FW_CFG_ENTRY_MASK = 0x3fff;
export const FW_CFG_INVALID = 0xffff;
// x86 arch-local keys (QEMU hw/i386/fw_cfg.h; SeaBIOS paravirt.c QEMU_CFG_*).
export const FW_CFG_ACPI_TABLES = FW_CFG_ARCH_LOCAL + 0;
export const FW_CFG_SMBIOS_ENTRIES = FW_CFG_ARCH_LOCAL + 1;
export const FW_CFG_IRQ0_OVERRIDE = FW_CFG_ARCH_LOCAL + 2;
export const FW_CFG_E820_TABLE = FW_CFG_ARCH_LOCAL + 3;

/** FW_CFG_ID feature bits (fw_cfg.rst "Revision / feature bitmap"). */
export const FW_CFG_VERSION = 0x01;
export const FW_CFG_VERSION_DMA = 0x02;

/** FWCfgDmaAccess.control bits (fw_cfg.rst "Guest-side DMA Interface"). */
export const DMA_CTL_ERROR = 0x01;
export const DMA_CTL_READ = 0x02;
export const DMA_CTL_SKIP = 0x04;
export const DMA_CTL_SELECT = 0x08;
export const DMA_CTL_WRITE = 0x10;

/** Reading the DMA address register returns "QEMU CFG" (big-endian 0x51454d5520434647). */
const DMA_SIGNATURE = [0x51, 0x45, 0x4d, 0x55, 0x20, 0x43, 0x46, 0x47];
/** File names are NUL-terminated in 56 bytes. */
export const FW_CFG_MAX_FILE_PATH = 56;
/** File directory entries: u32 size, u16 select, u16 reserved, char name[56] (all big-endian). */
const FILE_ENTRY_SIZE = 64;

export class FwCfgConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FwCfgConfigError';
  }
}

export interface FwCfgItemOptions {
  /** Writable through DMA write (fw_cfg.rst: writes never resize an item). */
  writable?: boolean;
  /** Called after a DMA write changed bytes [offset, offset+length) of the item. */
  onWrite?: (data: Uint8Array, offset: number, length: number) => void;
}

interface Item extends FwCfgItemOptions {
  data: Uint8Array;
}

export interface FwCfgStats {
  /** Data register writes (ignored since QEMU 2.4) and DMA writes refused. */
  ignoredWrites: number;
  dmaTransfers: number;
  dmaErrors: number;
}

export function le16(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff);
}

export function le32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

export function le64(v: number): Uint8Array {
  const b = new Uint8Array(8);
  const d = new DataView(b.buffer);
  d.setUint32(0, v % 2 ** 32, true);
  d.setUint32(4, Math.floor(v / 2 ** 32), true);
  return b;
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

export class FwCfg implements Device {
  readonly name = 'fw-cfg';
  readonly stats: FwCfgStats = { ignoredWrites: 0, dmaTransfers: 0, dmaErrors: 0 };
  private readonly items = new Map<number, Item>();
  private readonly files: { name: string; key: number }[] = [];
  private readonly maxEntry: number;
  private readonly dma: boolean;
  /** Selected item (normalised: arch bit | index) or FW_CFG_INVALID. */
  private key = 0;
  private offset = 0;
  /** The 8-byte DMA address register, in port (big-endian) byte order. */
  private readonly dmaRegister = new Uint8Array(8);

  /**
   * @param memory guest memory for DMA transfers
   * @param fileSlots number of file keys after FW_CFG_FILE_FIRST (QEMU's default: 0x20)
   */
  constructor(
    private readonly memory: PhysicalMemory,
    options: { dma?: boolean; fileSlots?: number } = {},
  ) {
    this.dma = options.dma ?? true;
    this.maxEntry = FW_CFG_FILE_FIRST + (options.fileSlots ?? 0x20);
    this.setItem(FW_CFG_SIGNATURE, ascii('QEMU'));
    this.setItem(FW_CFG_ID, le32(FW_CFG_VERSION | (this.dma ? FW_CFG_VERSION_DMA : 0)));
    this.writeDirectory();
  }

  // ---- configuration (the board) ----

  /** Sets a numbered item (generic 0x0000-0x3FFF, or arch-local with FW_CFG_ARCH_LOCAL set). */
  setItem(key: number, data: Uint8Array, options: FwCfgItemOptions = {}): void {
    const k = this.normalise(key);
    if (k === FW_CFG_INVALID) throw new FwCfgConfigError(`fw_cfg key 0x${key.toString(16)} is beyond the ${this.maxEntry} entries`);
    this.items.set(k, { data, ...options });
  }

  /** Adds (or replaces) a named file; returns its selector key. */
  addFile(name: string, data: Uint8Array, options: FwCfgItemOptions = {}): number {
    if (name.length === 0 || name.length >= FW_CFG_MAX_FILE_PATH || /[^\x20-\x7e]/.test(name)) {
      throw new FwCfgConfigError(`fw_cfg file name "${name}" must be 1-55 printable ASCII characters`);
    }
    let entry = this.files.find((f) => f.name === name);
    if (!entry) {
      const key = FW_CFG_FILE_FIRST + this.files.length;
      if (key >= this.maxEntry) throw new FwCfgConfigError(`fw_cfg has no free file slot for "${name}"`);
      entry = { name, key };
      this.files.push(entry);
    }
    this.items.set(entry.key, { data, ...options });
    this.writeDirectory();
    return entry.key;
  }

  /** The current bytes of an item (for the board and tests), or undefined. */
  getItem(key: number): Uint8Array | undefined {
    return this.items.get(this.normalise(key))?.data;
  }

  fileKey(name: string): number | undefined {
    return this.files.find((f) => f.name === name)?.key;
  }

  /** FW_CFG_FILE_DIR: u32 count then 64-byte entries, all big-endian (fw_cfg.rst "File Directory"). */
  private writeDirectory(): void {
    const dir = new Uint8Array(4 + this.files.length * FILE_ENTRY_SIZE);
    const v = new DataView(dir.buffer);
    v.setUint32(0, this.files.length, false);
    this.files.forEach((f, i) => {
      const o = 4 + i * FILE_ENTRY_SIZE;
      v.setUint32(o, this.items.get(f.key)?.data.length ?? 0, false);
      v.setUint16(o + 4, f.key, false);
      dir.set(ascii(f.name), o + 8);
    });
    this.items.set(FW_CFG_FILE_DIR, { data: dir });
  }

  /** Key as stored: arch bit kept, write-channel bit dropped; FW_CFG_INVALID when out of range. */
  private normalise(key: number): number {
    const index = key & FW_CFG_ENTRY_MASK;
    return index >= this.maxEntry ? FW_CFG_INVALID : (key & FW_CFG_ARCH_LOCAL) | index;
  }

  // ---- registers (the guest) ----

  /** Selector register write: picks an item and rewinds the data offset. */
  selectorWrite(value: number): void {
    this.key = this.normalise(value & 0xffff);
    this.offset = 0;
  }

  /** Data register read: the next byte of the item; 0 past its end or with no item. */
  dataRead(): number {
    const item = this.key === FW_CFG_INVALID ? undefined : this.items.get(this.key);
    if (!item || this.offset >= item.data.length) return 0;
    return item.data[this.offset++];
  }

  /** Data register writes are ignored (QEMU 2.4+); writing is done with DMA. */
  dataWrite(_value: number): void {
    this.stats.ignoredWrites++;
  }

  /** DMA address register byte `offset` (0-7): reads return the "QEMU CFG" signature. */
  dmaRead8(offset: number): number {
    return this.dma ? DMA_SIGNATURE[offset & 7] : 0xff;
  }

  /** A 32-bit IN at offset 0 or 4: the signature bytes in port order, little-endian on the bus. */
  dmaRead32(offset: number): number {
    const o = offset & 4;
    return (this.dmaRead8(o) | (this.dmaRead8(o + 1) << 8) | (this.dmaRead8(o + 2) << 16) | (this.dmaRead8(o + 3) << 24)) >>> 0;
  }

  /**
   * A 32-bit OUT at offset 0 (address bits 63-32) or 4 (bits 31-0). The register is
   * big-endian, so the guest writes the byte-swapped address (SeaBIOS: outl(cpu_to_be32(..))).
   * Writing the low half starts the transfer.
   */
  dmaWrite32(offset: number, value: number): void {
    const o = offset & 4;
    for (let i = 0; i < 4; i++) this.dmaRegister[o + i] = (value >>> (8 * i)) & 0xff;
    if (o === 4) this.startDma();
  }

  /** Byte writes (a split wider access): the transfer starts when the last byte lands. */
  dmaWrite8(offset: number, value: number): void {
    this.dmaRegister[offset & 7] = value & 0xff;
    if ((offset & 7) === 7) this.startDma();
  }

  private startDma(): void {
    const r = this.dmaRegister;
    const high = ((r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3]) >>> 0;
    const low = ((r[4] << 24) | (r[5] << 16) | (r[6] << 8) | r[7]) >>> 0;
    r.fill(0); // "The value for the register is 0 at startup and after an operation."
    if (!this.dma) return;
    if (high !== 0) {
      this.stats.dmaErrors++; // descriptor above 4 GiB: outside this machine's memory
      return;
    }
    this.transfer(low);
  }

  /** Executes one FWCfgDmaAccess {be32 control, be32 length, be64 address} at `descriptor`. */
  private transfer(descriptor: number): void {
    const m = this.memory;
    const be32 = (a: number): number => ((m.read8(a) << 24) | (m.read8(a + 1) << 16) | (m.read8(a + 2) << 8) | m.read8(a + 3)) >>> 0;
    let control = be32(descriptor);
    let length = be32(descriptor + 4);
    const addressHigh = be32(descriptor + 8);
    let address = be32(descriptor + 12);
    this.stats.dmaTransfers++;
    if (control & DMA_CTL_SELECT) this.selectorWrite(control >>> 16);
    const op = control & DMA_CTL_READ ? 'read' : control & DMA_CTL_WRITE ? 'write' : control & DMA_CTL_SKIP ? 'skip' : 'none';
    if (op === 'none') length = 0;
    if (addressHigh !== 0 && op !== 'skip') {
      control |= DMA_CTL_ERROR;
      length = 0;
    }
    const item = this.key === FW_CFG_INVALID ? undefined : this.items.get(this.key);
    while (length > 0 && !(control & DMA_CTL_ERROR)) {
      let n: number;
      if (!item || this.offset >= item.data.length) {
        // Past the end: reads fill zeros, writes fail (QEMU fw_cfg_dma_transfer).
        n = length;
        if (op === 'read') dmaToGuest(m, address, new Uint8Array(n));
        else if (op === 'write') control |= DMA_CTL_ERROR;
      } else {
        n = Math.min(length, item.data.length - this.offset);
        if (op === 'read') {
          dmaToGuest(m, address, item.data.subarray(this.offset, this.offset + n));
        } else if (op === 'write') {
          if (!item.writable || n !== length) {
            control |= DMA_CTL_ERROR; // read-only item, or a write running past its end
            this.stats.ignoredWrites++;
            break;
          }
          item.data.set(m.readBytes(address, n), this.offset);
          item.onWrite?.(item.data, this.offset, n);
        }
        this.offset += n;
      }
      address = (address + n) >>> 0;
      length -= n;
    }
    if (control & DMA_CTL_ERROR) this.stats.dmaErrors++;
    // Completion: control reads 0, or just the error bit.
    const done = control & DMA_CTL_ERROR ? DMA_CTL_ERROR : 0;
    m.write8(descriptor, 0);
    m.write8(descriptor + 1, 0);
    m.write8(descriptor + 2, 0);
    m.write8(descriptor + 3, done);
  }

  // ---- Device ----

  reset(): void {
    this.selectorWrite(FW_CFG_SIGNATURE);
    this.dmaRegister.fill(0);
  }

  saveState(): DeviceState {
    const writable: Record<string, Uint8Array> = {};
    for (const [k, item] of this.items) if (item.writable) writable[String(k)] = item.data.slice();
    return { version: 1, key: this.key, offset: this.offset, dmaRegister: this.dmaRegister.slice(), writable };
  }

  loadState(state: DeviceState): void {
    checkVersion(this.name, state, 1);
    this.key = state.key as number;
    this.offset = state.offset as number;
    this.dmaRegister.set(state.dmaRegister as Uint8Array);
    for (const [k, data] of Object.entries(state.writable as Record<string, Uint8Array>)) {
      const item = this.items.get(Number(k));
      if (item && item.data.length === data.length) item.data.set(data);
    }
  }
}

/** Device DMA into RAM: bus-master cycles, so the CPU's A20 gate does not apply. */
function dmaToGuest(memory: PhysicalMemory, address: number, data: Uint8Array): void {
  const end = address + data.length;
  let a = address;
  while (a < end) {
    const page = a >>> 12;
    const n = Math.min(end - a, 4096 - (a & 0xfff));
    if (a + n <= memory.ramSize && memory.pageKind[page] === PageKind.Ram && memory.codePages[page] === 0) {
      memory.ram.set(data.subarray(a - address, a - address + n), a);
      memory.dirtyPages[page] = 1;
    } else {
      for (let i = 0; i < n; i++) memory.write8(a + i, data[a - address + i]);
    }
    a += n;
  }
}

// ---- What a PC with SeaBIOS expects (QEMU hw/i386/fw_cfg.c, hw/i386/pc.c) ----

export interface FwCfgE820Entry {
  base: number;
  length: number;
  type: number;
}

export interface PcFwCfgOptions {
  /** RAM below 4 GiB, bytes. */
  ramSize: number;
  cpus?: number;
  maxCpus?: number;
  /** "etc/e820": RAM and reserved ranges. Default: one RAM entry from 0 to ramSize (as QEMU). */
  e820?: readonly FwCfgE820Entry[];
  /** FW_CFG_BOOT_MENU ("etc/show-boot-menu"): off by default, so SeaBIOS does not wait for F12. */
  bootMenu?: boolean;
  bootMenuWaitMs?: number;
  /** "etc/boot-fail-wait" in ms; -1 (default, as QEMU) means never retry after "No bootable device". */
  bootFailWaitMs?: number;
  /** "bootorder": OpenFirmware device paths, e.g. "/pci@i0cf8/ide@1,1/drive@1/disk@0". */
  bootOrder?: readonly string[];
  uuid?: Uint8Array;
  nographic?: boolean;
  /**
   * A VGA BIOS for a VGA that has no PCI ROM BAR: SeaBIOS runs every "vgaroms/*" file as the
   * video option ROM (optionroms.c vgarom_setup -> run_file_roms("vgaroms/", ...)).
   */
  vgaRom?: Uint8Array;
}

/** struct e820_reservation as SeaBIOS reads "etc/e820": packed u64 addr, u64 len, u32 type (LE). */
export function encodeE820File(entries: readonly FwCfgE820Entry[]): Uint8Array {
  const out = new Uint8Array(entries.length * 20);
  entries.forEach((e, i) => {
    out.set(le64(e.base), i * 20);
    out.set(le64(e.length), i * 20 + 8);
    out.set(le32(e.type), i * 20 + 16);
  });
  return out;
}

/**
 * Fills the items SeaBIOS reads on a QEMU-like PC (paravirt.c qemu_cfg_init / qemu_cfg_legacy /
 * qemu_cfg_e820, boot.c boot_init / interactive_bootmenu). SeaBIOS takes the RAM size below
 * 4 GiB from CMOS; the e820 file adds reservations and RAM above what CMOS reports.
 */
export function configurePcFwCfg(fw: FwCfg, o: PcFwCfgOptions): void {
  const cpus = o.cpus ?? 1;
  const maxCpus = o.maxCpus ?? cpus;
  fw.setItem(FW_CFG_UUID, o.uuid ?? new Uint8Array(16));
  fw.setItem(FW_CFG_RAM_SIZE, le64(o.ramSize));
  fw.setItem(FW_CFG_NOGRAPHIC, le16(o.nographic ? 1 : 0));
  fw.setItem(FW_CFG_NB_CPUS, le16(cpus));
  fw.setItem(FW_CFG_MAX_CPUS, le16(maxCpus));
  // NUMA: u64 node count (0), then one u64 node id per possible CPU, then per-node sizes.
  fw.setItem(FW_CFG_NUMA, new Uint8Array(8 * (1 + maxCpus)));
  fw.setItem(FW_CFG_BOOT_MENU, le16(o.bootMenu ? 1 : 0));
  // Arch-local legacy items: counts of 0 tables, and the IRQ0 -> GSI2 override flag.
  fw.setItem(FW_CFG_ACPI_TABLES, le16(0));
  fw.setItem(FW_CFG_SMBIOS_ENTRIES, le16(0));
  fw.setItem(FW_CFG_IRQ0_OVERRIDE, le32(1));
  fw.setItem(FW_CFG_E820_TABLE, le32(0));
  fw.addFile('etc/e820', encodeE820File(o.e820 ?? [{ base: 0, length: o.ramSize, type: 1 }]));
  fw.addFile('etc/boot-fail-wait', le32(o.bootFailWaitMs ?? -1));
  fw.addFile('etc/boot-cpus', le16(cpus));
  if (o.bootMenu && o.bootMenuWaitMs !== undefined) fw.addFile('etc/boot-menu-wait', le16(o.bootMenuWaitMs));
  if (o.bootOrder && o.bootOrder.length > 0) fw.addFile('bootorder', ascii(o.bootOrder.join('\n') + '\0'));
  if (o.vgaRom) fw.addFile('vgaroms/vgabios.bin', o.vgaRom);
}

export interface FwCfgKernelItems {
  /** Real-mode setup (boot sector + setup code, header filled in) and where it goes. */
  setup: Uint8Array;
  setupAddress: number;
  /** Protected-mode kernel and its load address. */
  kernel: Uint8Array;
  kernelAddress: number;
  /** Command line without the NUL, and where it goes. */
  cmdline: string;
  cmdlineAddress: number;
  initrd?: Uint8Array;
  initrdAddress?: number;
}

/**
 * The FW_CFG_KERNEL_*, _SETUP_*, _INITRD_*, _CMDLINE_* items QEMU offers for a -kernel boot
 * through an option ROM (QEMU hw/i386/x86.c x86_load_linux; pc-bios/optionrom/linuxboot_dma.c).
 */
export function setFwCfgKernel(fw: FwCfg, k: FwCfgKernelItems): void {
  const cmd = ascii(k.cmdline + '\0');
  fw.setItem(FW_CFG_SETUP_ADDR, le32(k.setupAddress));
  fw.setItem(FW_CFG_SETUP_SIZE, le32(k.setup.length));
  fw.setItem(FW_CFG_SETUP_DATA, k.setup);
  fw.setItem(FW_CFG_KERNEL_ADDR, le32(k.kernelAddress));
  fw.setItem(FW_CFG_KERNEL_SIZE, le32(k.kernel.length));
  fw.setItem(FW_CFG_KERNEL_DATA, k.kernel);
  fw.setItem(FW_CFG_CMDLINE_ADDR, le32(k.cmdlineAddress));
  fw.setItem(FW_CFG_CMDLINE_SIZE, le32(cmd.length));
  fw.setItem(FW_CFG_CMDLINE_DATA, cmd);
  fw.setItem(FW_CFG_INITRD_ADDR, le32(k.initrd ? (k.initrdAddress ?? 0) : 0));
  fw.setItem(FW_CFG_INITRD_SIZE, le32(k.initrd?.length ?? 0));
  fw.setItem(FW_CFG_INITRD_DATA, k.initrd ?? new Uint8Array(0));
}
