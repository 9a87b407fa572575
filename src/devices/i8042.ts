// The 8042 keyboard controller of the PC/AT and PS/2 ("i8042"), with a keyboard on its first
// port and a mouse on its auxiliary port. The board maps readData/writeData at 0x60 and
// readStatus/writeCommand at 0x64. Sources: IBM PS/2 Hardware Interface Technical Reference,
// "Keyboard/Auxiliary Device Controller" (status register, command byte, commands 20-FF,
// output port); IBM PC AT Technical Reference §1 "Keyboard Controller"; OSDev "8042 PS/2
// Controller"; Brouwer "Keyboard scancodes" §9.3 (translation).
import type { Clock } from '../bus/clock.js';
import type { Device, DeviceState } from '../bus/device.js';
import { checkVersion } from '../bus/device.js';
import type { IrqLine } from '../bus/irq.js';
import { Ps2Keyboard } from './ps2-keyboard.js';
import { Ps2Mouse } from './ps2-mouse.js';
import { TRANSLATE_SET2_TO_SET1 } from './ps2-scancodes.js';

export type { KeyName } from './ps2-scancodes.js';

// Status register (read at 0x64).
export const STATUS_OBF = 0x01; // output buffer full: a byte waits at 0x60
export const STATUS_IBF = 0x02; // input buffer full: the controller has not taken the last write
export const STATUS_SYS = 0x04; // system flag: set by a successful self-test or command byte bit 2
export const STATUS_A2 = 0x08; // last write went to 0x64 (command) rather than 0x60 (data)
export const STATUS_UNLOCKED = 0x10; // keyboard inhibit switch: 1 = not inhibited
export const STATUS_AUX_OBF = 0x20; // the byte in the output buffer came from the aux device
export const STATUS_TIMEOUT = 0x40; // a transmission to a device timed out
export const STATUS_PARITY = 0x80; // parity error on the last byte from a device

// Command byte (controller RAM byte 0, commands 20/60).
export const CMD_KBD_INT = 0x01; // IRQ1 when keyboard data enters the output buffer
export const CMD_AUX_INT = 0x02; // IRQ12 when aux data enters the output buffer
export const CMD_SYS = 0x04; // copied into STATUS_SYS
export const CMD_OVERRIDE = 0x08; // AT: ignore the inhibit switch
export const CMD_KBD_DISABLE = 0x10; // keyboard clock held low: no keyboard data
export const CMD_AUX_DISABLE = 0x20; // aux clock held low: no aux data
export const CMD_TRANSLATE = 0x40; // translate keyboard bytes from set 2 to set 1

// Output port (commands D0/D1).
export const OUT_RESET = 0x01; // CPU reset line: 0 holds the processor in reset
export const OUT_A20 = 0x02; // A20 gate
export const OUT_KBD_OBF = 0x10; // IRQ1 output
export const OUT_AUX_OBF = 0x20; // IRQ12 output

/**
 * Output port after power-on: reset line high, clock/data lines high, and A20 on, matching
 * PhysicalMemory's power-on A20 state (QEMU starts the same way; a BIOS sets A20 as it needs).
 */
const OUT_POWER_ON = 0xcf;
/** Input port (command C0): bit 7 = keyboard not inhibited; the rest as a PS/2 reads (0). */
const INPUT_PORT = 0x80;
/** Command byte after power-on: interrupts on, translation on, as the 8042 firmware sets it. */
const CMD_POWER_ON = CMD_KBD_INT | CMD_AUX_INT | CMD_TRANSLATE;

export interface I8042Options {
  clock: Clock;
  irq1: IrqLine;
  irq12: IrqLine;
  /** Output port bit 1 changed (commands D1, DD, DF). */
  setA20: (enabled: boolean) => void;
  /** Output port bit 0 went low (D1 with bit 0 clear, or a pulse command such as FE). */
  requestReset: () => void;
  /** False to model a board with nothing on the aux port (writes time out). Default true. */
  auxPresent?: boolean;
}

interface Pending {
  value: number;
  aux: boolean;
}

export interface I8042Stats {
  unknownCommands: number;
  lastUnknownCommand: number;
}

export class I8042 implements Device {
  readonly name = 'i8042';
  readonly keyboard: Ps2Keyboard;
  readonly mouse: Ps2Mouse;
  readonly stats: I8042Stats = { unknownCommands: 0, lastUnknownCommand: -1 };

  private status = STATUS_UNLOCKED;
  /** Controller RAM: byte 0 is the command byte; 1-31 are scratch (commands 21-3F/61-7F). */
  private readonly ram = new Uint8Array(32);
  private outPort = OUT_POWER_ON;
  private outputBuffer = 0;
  /** Controller replies waiting for the output buffer (ahead of device data). */
  private queue: Pending[] = [];
  /** The command whose data byte the next write to 0x60 carries, or -1. */
  private pendingCommand = -1;
  /** Translation saw an F0 prefix: the next translated byte gets bit 7 (Brouwer §9.3). */
  private breakPrefix = false;
  private readonly auxPresent: boolean;

  constructor(private readonly opts: I8042Options) {
    this.auxPresent = opts.auxPresent ?? true;
    this.keyboard = new Ps2Keyboard(opts.clock, () => this.pump());
    this.mouse = new Ps2Mouse(() => this.pump());
    this.ram[0] = CMD_POWER_ON;
  }

  // ---- port 0x60 ------------------------------------------------------------------------

  /** Reads the output buffer; clears OBF and takes the next waiting byte, if any. */
  readData(): number {
    if (!(this.status & STATUS_OBF)) return this.outputBuffer; // stale byte, as real hardware
    const v = this.outputBuffer;
    this.status &= ~(STATUS_OBF | STATUS_AUX_OBF);
    this.updateIrq();
    this.pump();
    return v;
  }

  writeData(v: number): void {
    v &= 0xff;
    this.status &= ~(STATUS_A2 | STATUS_TIMEOUT);
    const cmd = this.pendingCommand;
    this.pendingCommand = -1;
    if (cmd >= 0x60 && cmd <= 0x7f) {
      this.writeRam(cmd & 0x1f, v);
      return;
    }
    switch (cmd) {
      case 0xd1:
        this.writeOutputPort(v);
        return;
      case 0xd2: // as if the keyboard had sent it
        this.enqueue(v, false);
        return;
      case 0xd3: // as if the aux device had sent it
        this.enqueue(v, true);
        return;
      case 0xd4:
        this.writeAux(v);
        return;
    }
    // Data for the keyboard. Sending to it re-enables its interface (as QEMU and AMI KBCs do),
    // so the reply can come back even after a guest wrote the command byte with bit 4 set.
    this.ram[0]! &= ~CMD_KBD_DISABLE;
    this.keyboard.write(v);
    this.pump();
  }

  // ---- port 0x64 ------------------------------------------------------------------------

  readStatus(): number {
    return this.status;
  }

  writeCommand(v: number): void {
    v &= 0xff;
    this.status = (this.status | STATUS_A2) & ~STATUS_TIMEOUT;
    this.pendingCommand = -1;
    if (v >= 0x20 && v <= 0x3f) {
      this.enqueue(this.ram[v & 0x1f]!, false); // read RAM; 20 = command byte
      return;
    }
    if ((v >= 0x60 && v <= 0x7f) || (v >= 0xd1 && v <= 0xd4)) {
      this.pendingCommand = v;
      return;
    }
    if (v >= 0xf0) {
      // Pulse output port bits 0-3 low where the command's bit is 0; bit 0 is the reset line.
      if (!(v & OUT_RESET)) this.opts.requestReset();
      return;
    }
    switch (v) {
      case 0xa7: // disable aux interface
        this.ram[0]! |= CMD_AUX_DISABLE;
        return;
      case 0xa8: // enable aux interface
        this.ram[0]! &= ~CMD_AUX_DISABLE;
        this.pump();
        return;
      case 0xa9: // aux interface test: 00 = no error
      case 0xab: // keyboard interface test: 00 = no error
        this.enqueue(0x00, false);
        return;
      case 0xaa: // self-test: 55 = passed; sets the system flag
        this.status |= STATUS_SYS;
        this.enqueue(0x55, false);
        return;
      case 0xad: // disable keyboard interface
        this.ram[0]! |= CMD_KBD_DISABLE;
        return;
      case 0xae: // enable keyboard interface
        this.ram[0]! &= ~CMD_KBD_DISABLE;
        this.pump();
        return;
      case 0xc0: // read input port
        this.enqueue(INPUT_PORT, false);
        return;
      case 0xd0: // read output port; bits 4/5 are the IRQ1/IRQ12 outputs
        this.enqueue(this.readOutputPort(), false);
        return;
      case 0xdd: // A20 off (HP Vectra command, widely implemented)
        this.writeOutputPort(this.outPort & ~OUT_A20);
        return;
      case 0xdf: // A20 on
        this.writeOutputPort(this.outPort | OUT_A20);
        return;
      case 0xe0: // read test inputs: keyboard clock (bit 0) and data (bit 1) lines
        this.enqueue(0x00, false);
        return;
      default:
        this.stats.unknownCommands++;
        this.stats.lastUnknownCommand = v;
    }
  }

  // ---- host input -----------------------------------------------------------------------

  keyDown(code: string): boolean {
    return this.keyboard.keyDown(code);
  }

  keyUp(code: string): boolean {
    return this.keyboard.keyUp(code);
  }

  mouseMove(dx: number, dy: number, dz = 0, buttons = 0): void {
    if (this.auxPresent) this.mouse.move(dx, dy, dz, buttons);
  }

  // ---- state the board may look at ------------------------------------------------------

  get commandByte(): number {
    return this.ram[0]!;
  }
  get outputPort(): number {
    return this.readOutputPort();
  }
  get a20Enabled(): boolean {
    return (this.outPort & OUT_A20) !== 0;
  }

  // ---- internals ------------------------------------------------------------------------

  private writeRam(index: number, v: number): void {
    this.ram[index] = v;
    if (index !== 0) return;
    // Command byte bit 2 is the system flag the status register reports (IBM: "System Flag").
    this.status = (this.status & ~STATUS_SYS) | (v & CMD_SYS);
    this.updateIrq();
    this.pump();
  }

  private readOutputPort(): number {
    let v = this.outPort & ~(OUT_KBD_OBF | OUT_AUX_OBF);
    if (this.status & STATUS_OBF) v |= this.status & STATUS_AUX_OBF ? OUT_AUX_OBF : OUT_KBD_OBF;
    return v;
  }

  private writeOutputPort(v: number): void {
    const old = this.outPort;
    this.outPort = v & ~(OUT_KBD_OBF | OUT_AUX_OBF);
    if ((old ^ v) & OUT_A20) this.opts.setA20((v & OUT_A20) !== 0);
    if (!(v & OUT_RESET)) this.opts.requestReset();
  }

  private writeAux(v: number): void {
    if (!this.auxPresent) {
      // Nothing answers the clock: the transmission times out and the controller reports FE.
      this.status |= STATUS_TIMEOUT;
      this.enqueue(0xfe, true);
      return;
    }
    this.ram[0]! &= ~CMD_AUX_DISABLE;
    this.mouse.write(v);
    this.pump();
  }

  private enqueue(value: number, aux: boolean): void {
    this.queue.push({ value: value & 0xff, aux });
    this.pump();
  }

  /** Moves the next waiting byte into an empty output buffer: controller replies, then keyboard, then aux. */
  private pump(): void {
    while (!(this.status & STATUS_OBF)) {
      const p = this.queue.shift();
      if (p) {
        this.load(p.value, p.aux);
        return;
      }
      const cmd = this.ram[0]!;
      if (!(cmd & CMD_KBD_DISABLE) && this.keyboard.hasData()) {
        let b = this.keyboard.take();
        if (cmd & CMD_TRANSLATE) {
          if (b === 0xf0) {
            this.breakPrefix = true;
            continue; // the prefix itself never reaches the CPU
          }
          b = TRANSLATE_SET2_TO_SET1[b]!;
          if (this.breakPrefix) b |= 0x80;
          this.breakPrefix = false;
        }
        this.load(b, false);
        return;
      }
      if (this.auxPresent && !(cmd & CMD_AUX_DISABLE) && this.mouse.hasData()) {
        this.load(this.mouse.take(), true);
        return;
      }
      return;
    }
  }

  private load(value: number, aux: boolean): void {
    this.outputBuffer = value;
    this.status = (this.status | STATUS_OBF) & ~STATUS_AUX_OBF;
    if (aux) this.status |= STATUS_AUX_OBF;
    this.updateIrq();
  }

  /** IRQ1/IRQ12 follow "output buffer full with data from that port, and its interrupt enabled". */
  private updateIrq(): void {
    const full = (this.status & STATUS_OBF) !== 0;
    const aux = (this.status & STATUS_AUX_OBF) !== 0;
    const cmd = this.ram[0]!;
    this.opts.irq1.set(full && !aux && (cmd & CMD_KBD_INT) !== 0);
    this.opts.irq12.set(full && aux && (cmd & CMD_AUX_INT) !== 0);
  }

  // ---- device contract ------------------------------------------------------------------

  /** Power-on state. The board resets A20 in memory itself; this does not call setA20. */
  reset(): void {
    this.status = STATUS_UNLOCKED;
    this.ram.fill(0);
    this.ram[0] = CMD_POWER_ON;
    this.outPort = OUT_POWER_ON;
    this.outputBuffer = 0;
    this.queue = [];
    this.pendingCommand = -1;
    this.breakPrefix = false;
    this.keyboard.reset();
    this.mouse.reset();
    this.updateIrq();
  }

  saveState(): DeviceState {
    return {
      version: 1,
      status: this.status,
      ram: this.ram.slice(),
      outPort: this.outPort,
      outputBuffer: this.outputBuffer,
      queue: this.queue.map((p) => ({ ...p })),
      pendingCommand: this.pendingCommand,
      breakPrefix: this.breakPrefix,
      keyboard: this.keyboard.saveState(),
      mouse: this.mouse.saveState(),
    };
  }

  /** Restores state and re-drives IRQ1/IRQ12 to match it. */
  loadState(s: DeviceState): void {
    checkVersion(this.name, s, 1);
    this.status = s.status as number;
    this.ram.set(s.ram as Uint8Array);
    this.outPort = s.outPort as number;
    this.outputBuffer = s.outputBuffer as number;
    this.queue = (s.queue as Pending[]).map((p) => ({ ...p }));
    this.pendingCommand = s.pendingCommand as number;
    this.breakPrefix = s.breakPrefix as boolean;
    this.keyboard.loadState(s.keyboard as DeviceState);
    this.mouse.loadState(s.mouse as DeviceState);
    this.updateIrq();
  }
}
