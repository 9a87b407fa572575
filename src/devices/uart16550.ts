// National Semiconductor / TI PC16550D UART (the PC's "16550A" serial port).
// Registers only: the board maps the eight offsets (0x3F8.. for COM1) and wires the IRQ; bytes go
// out through a sink and come in through receive(). Transmission is instantaneous by default (the
// THR empties at once, so THRE and TEMT read 1 between writes: best throughput) or, with
// `txPacing`, leaves at the line rate through the TX FIFO and shift register. Reception is paced by
// the guest: host input waits in a queue beyond the 16-byte RX FIFO and enters it as the guest
// drains it, so pasted input is never overrun. Section names refer to the PC16550D datasheet.

import type { IrqLine } from '../bus/irq.js';
import type { Clock, Timer } from '../bus/clock.js';
import { checkVersion, type Device, type DeviceState } from '../bus/device.js';

// Register offsets (datasheet "Summary of Registers" table).
export const UART_RBR = 0; // read, DLAB=0
export const UART_THR = 0; // write, DLAB=0
export const UART_DLL = 0; // DLAB=1
export const UART_IER = 1; // DLAB=0
export const UART_DLM = 1; // DLAB=1
export const UART_IIR = 2; // read
export const UART_FCR = 2; // write
export const UART_LCR = 3;
export const UART_MCR = 4;
export const UART_LSR = 5;
export const UART_MSR = 6;
export const UART_SCR = 7;

export const IER_ERBFI = 0x01; // received data available (and character timeout)
export const IER_ETBEI = 0x02; // transmitter holding register empty
export const IER_ELSI = 0x04; // receiver line status
export const IER_EDSSI = 0x08; // modem status

export const IIR_NO_INT = 0x01;
export const IIR_RLS = 0x06; // priority 1: receiver line status
export const IIR_RDA = 0x04; // priority 2: received data available
export const IIR_CTI = 0x0c; // priority 2: character timeout (FIFO mode)
export const IIR_THRE = 0x02; // priority 3
export const IIR_MS = 0x00; // priority 4
export const IIR_FIFO_ENABLED = 0xc0;

export const FCR_ENABLE = 0x01;
export const FCR_CLEAR_RX = 0x02;
export const FCR_CLEAR_TX = 0x04;
export const FCR_DMA_MODE = 0x08;
export const FCR_TRIGGER_MASK = 0xc0;

export const LCR_DLAB = 0x80;
export const LCR_BREAK = 0x40;
export const LCR_PARITY = 0x08;
export const LCR_STOP = 0x04;
export const LCR_WLEN_MASK = 0x03;

export const MCR_DTR = 0x01;
export const MCR_RTS = 0x02;
export const MCR_OUT1 = 0x04;
export const MCR_OUT2 = 0x08;
export const MCR_LOOP = 0x10;

export const LSR_DR = 0x01;
export const LSR_OE = 0x02;
export const LSR_PE = 0x04;
export const LSR_FE = 0x08;
export const LSR_BI = 0x10;
export const LSR_THRE = 0x20;
export const LSR_TEMT = 0x40;
export const LSR_RXFIFO_ERROR = 0x80;
const LSR_ERRORS = LSR_OE | LSR_PE | LSR_FE | LSR_BI;

export const MSR_DCTS = 0x01;
export const MSR_DDSR = 0x02;
export const MSR_TERI = 0x04;
export const MSR_DDCD = 0x08;
export const MSR_CTS = 0x10;
export const MSR_DSR = 0x20;
export const MSR_RI = 0x40;
export const MSR_DCD = 0x80;

const FIFO_SIZE = 16;
/** RX trigger levels for FCR bits 7-6 (datasheet "FIFO Control Register"). */
const TRIGGER_LEVELS = [1, 4, 8, 14];
/** The PC's 1.8432 MHz crystal; baud = 1843200 / (16 · divisor). */
const XTAL_HZ = 1_843_200;

export interface ModemInputs {
  cts: boolean;
  dsr: boolean;
  ri: boolean;
  dcd: boolean;
}

export interface Uart16550Options {
  clock: Clock;
  irq: IrqLine;
  /** Receives every byte the guest transmits (not called in loopback mode). */
  sink: (byte: number) => void;
  /** Unique per machine: names this device's timer in snapshots. Default 'uart'. */
  name?: string;
  /**
   * PCs drive the IRQ line through a buffer enabled by OUT2 (MCR bit 3): without OUT2 the UART
   * interrupts nobody. Default true; false for boards that wire INTR directly.
   */
  out2GatesIrq?: boolean;
  /** Modem inputs when not in loopback (default CTS, DSR and DCD asserted, as a null-modem cable). */
  modemInputs?: Partial<ModemInputs>;
  /** Transmit at the programmed line rate instead of instantly (default false). */
  txPacing?: boolean;
}

/** Queue entries carry a break condition in bit 8. */
const QUEUED_BREAK = 0x100;

export class Uart16550 implements Device {
  readonly name: string;
  private readonly clock: Clock;
  private readonly irq: IrqLine;
  private readonly sink: (byte: number) => void;
  private readonly out2GatesIrq: boolean;
  private readonly timeoutTimer: Timer;
  private readonly txTimer: Timer;
  private readonly paced: boolean;

  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private fcr = 0; // as programmed; 0 when FIFOs are off
  private scr = 0;
  private dll = 0x0c; // 9600 baud; the divisor latch is not touched by reset
  private dlm = 0;
  /** OE/PE/FE/BI as latched for the CPU; cleared by reading LSR. */
  private lsrErrors = 0;
  /** Bits 7-4 are the modem input levels, bits 3-0 the change indicators. */
  private msr = 0;
  /** External modem inputs (MSR bits 7-4) used outside loopback mode. */
  private externalMsr = MSR_CTS | MSR_DSR | MSR_DCD;
  /** THRE interrupt latch: set when THR empties (or ETBEI rises while empty), cleared by IIR/THR. */
  private thrPending = false;
  private timeoutPending = false;
  /** Last instant a character entered or left the RX FIFO (for the 4-character timeout). */
  private lastRxActivityNs = 0;
  private lastRbr = 0;

  // RX FIFO (capacity 1 with FIFOs off: the RBR) with per-character error bits.
  private readonly rxData = new Uint8Array(FIFO_SIZE);
  private readonly rxErr = new Uint8Array(FIFO_SIZE);
  private rxHead = 0;
  private rxCount = 0;
  // TX FIFO (capacity 1 with FIFOs off: the THR) and transmitter shift register; paced mode only.
  private readonly txData = new Uint8Array(FIFO_SIZE);
  private txHead = 0;
  private txCount = 0;
  private tsrBusy = false;
  private tsrByte = 0;

  /** Host input beyond the FIFO. */
  private queue: number[] = [];
  private queueHead = 0;

  /** Counters for the monitor: bytes sent/received, accesses with no effect. */
  readonly stats = { txBytes: 0, rxBytes: 0, overruns: 0, ignoredWrites: 0 };

  constructor(opts: Uart16550Options) {
    this.name = opts.name ?? 'uart';
    this.clock = opts.clock;
    this.irq = opts.irq;
    this.sink = opts.sink;
    this.out2GatesIrq = opts.out2GatesIrq ?? true;
    if (opts.modemInputs) this.externalMsr = inputsToMsr({ cts: true, dsr: true, ri: false, dcd: true, ...opts.modemInputs });
    this.paced = opts.txPacing ?? false;
    this.timeoutTimer = this.clock.createTimer(`${this.name}.rx-timeout`, (at) => this.onTimeout(at));
    this.txTimer = this.clock.createTimer(`${this.name}.tx`, (at) => this.onTxDone(at));
    this.reset();
  }

  // ---- register interface (offsets 0..7 from the board) ----

  read(offset: number): number {
    switch (offset & 7) {
      case 0:
        return this.lcr & LCR_DLAB ? this.dll : this.readRbr();
      case 1:
        return this.lcr & LCR_DLAB ? this.dlm : this.ier;
      case 2:
        return this.readIir();
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5:
        return this.readLsr();
      case 6: {
        // Datasheet "Modem Status Register": reading clears the change bits 3-0.
        const v = this.msr;
        this.msr &= 0xf0;
        this.updateIrq();
        return v;
      }
      default:
        return this.scr;
    }
  }

  write(offset: number, value: number): void {
    const v = value & 0xff;
    switch (offset & 7) {
      case 0:
        if (this.lcr & LCR_DLAB) this.setDivisor(v, this.dlm);
        else this.writeThr(v);
        return;
      case 1:
        if (this.lcr & LCR_DLAB) this.setDivisor(this.dll, v);
        else this.writeIer(v);
        return;
      case 2:
        this.writeFcr(v);
        return;
      case 3:
        this.writeLcr(v);
        return;
      case 4:
        this.writeMcr(v);
        return;
      case 7:
        this.scr = v;
        return;
      default:
        // LSR and MSR are read-only for the CPU (LSR writes are a factory test only).
        this.stats.ignoredWrites++;
    }
  }

  // ---- backend interface ----

  /** Host input. Bytes beyond the RX FIFO wait in a queue and enter it as the guest reads. */
  receive(bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.queue.push(bytes[i] & 0xff);
    this.feed();
  }

  /** A break condition from the host: one 0 character with BI and FE (datasheet LSR bit 4). */
  receiveBreak(): void {
    this.queue.push(QUEUED_BREAK);
    this.feed();
  }

  /** Host bytes not yet in the FIFO. */
  get pendingInput(): number {
    return this.queue.length - this.queueHead;
  }

  /** Changes the external modem inputs (ignored by MSR while in loopback, as the pins are). */
  setModemInputs(inputs: Partial<ModemInputs>): void {
    const cur = msrToInputs(this.externalMsr);
    this.externalMsr = inputsToMsr({ ...cur, ...inputs });
    if (!(this.mcr & MCR_LOOP)) this.setMsrLevels(this.externalMsr);
  }

  /** Current level of the interrupt output after OUT2 gating. */
  get irqAsserted(): boolean {
    return this.irqLevel();
  }

  /** The programmed divisor latch; 0 acts as 65536 (the 16-bit down-counter wraps). */
  get divisor(): number {
    return (this.dlm << 8) | this.dll;
  }

  // ---- Device ----

  /** Master reset (datasheet "UART Reset Configuration" table): IER, IIR, FCR, LCR, MCR, LSR, MSR deltas; divisor kept. */
  reset(): void {
    this.ier = 0;
    this.lcr = 0;
    this.mcr = 0;
    this.fcr = 0;
    this.scr = 0;
    this.lsrErrors = 0;
    this.thrPending = false;
    this.timeoutPending = false;
    this.rxHead = 0;
    this.rxCount = 0;
    this.lastRbr = 0;
    this.msr = this.externalMsr;
    this.lastRxActivityNs = this.clock.now();
    this.timeoutTimer.cancel();
    this.txHead = 0;
    this.txCount = 0;
    this.tsrBusy = false;
    this.txTimer.cancel();
    this.feed();
    this.updateIrq();
  }

  saveState(): DeviceState {
    const rx: number[] = [];
    const rxErr: number[] = [];
    for (let i = 0; i < this.rxCount; i++) {
      rx.push(this.rxData[(this.rxHead + i) % FIFO_SIZE]);
      rxErr.push(this.rxErr[(this.rxHead + i) % FIFO_SIZE]);
    }
    const tx: number[] = [];
    for (let i = 0; i < this.txCount; i++) tx.push(this.txData[(this.txHead + i) % FIFO_SIZE]);
    return {
      version: 1,
      ier: this.ier,
      lcr: this.lcr,
      mcr: this.mcr,
      fcr: this.fcr,
      scr: this.scr,
      dll: this.dll,
      dlm: this.dlm,
      lsrErrors: this.lsrErrors,
      msr: this.msr,
      externalMsr: this.externalMsr,
      thrPending: this.thrPending,
      timeoutPending: this.timeoutPending,
      lastRxActivityNs: this.lastRxActivityNs,
      lastRbr: this.lastRbr,
      rx: Uint8Array.from(rx),
      rxErr: Uint8Array.from(rxErr),
      queue: Uint16Array.from(this.queue.slice(this.queueHead)),
      timeoutDeadline: this.timeoutTimer.armed ? this.timeoutTimer.deadline : -1,
      tx: Uint8Array.from(tx),
      tsrBusy: this.tsrBusy,
      tsrByte: this.tsrByte,
      txDeadline: this.txTimer.armed ? this.txTimer.deadline : -1,
    };
  }

  loadState(s: DeviceState): void {
    checkVersion(this.name, s, 1);
    this.ier = (s.ier as number) & 0x0f;
    this.lcr = s.lcr as number;
    this.mcr = (s.mcr as number) & 0x1f;
    this.fcr = s.fcr as number;
    this.scr = s.scr as number;
    this.dll = s.dll as number;
    this.dlm = s.dlm as number;
    this.lsrErrors = s.lsrErrors as number;
    this.msr = s.msr as number;
    this.externalMsr = s.externalMsr as number;
    this.thrPending = s.thrPending as boolean;
    this.timeoutPending = s.timeoutPending as boolean;
    this.lastRxActivityNs = s.lastRxActivityNs as number;
    this.lastRbr = s.lastRbr as number;
    const rx = s.rx as Uint8Array;
    const rxErr = s.rxErr as Uint8Array;
    this.rxHead = 0;
    this.rxCount = Math.min(rx.length, FIFO_SIZE);
    for (let i = 0; i < this.rxCount; i++) {
      this.rxData[i] = rx[i];
      this.rxErr[i] = rxErr[i];
    }
    this.queue = Array.from(s.queue as Uint16Array);
    this.queueHead = 0;
    const tx = s.tx as Uint8Array;
    this.txHead = 0;
    this.txCount = Math.min(tx.length, FIFO_SIZE);
    this.txData.set(tx.subarray(0, this.txCount));
    this.tsrBusy = s.tsrBusy as boolean;
    this.tsrByte = s.tsrByte as number;
    restoreDeadline(this.timeoutTimer, s.timeoutDeadline as number);
    restoreDeadline(this.txTimer, s.txDeadline as number);
    this.updateIrq();
  }

  // ---- internals ----

  private fifoEnabled(): boolean {
    return (this.fcr & FCR_ENABLE) !== 0;
  }

  private capacity(): number {
    return this.fifoEnabled() ? FIFO_SIZE : 1;
  }

  private triggerLevel(): number {
    return TRIGGER_LEVELS[this.fcr >> 6];
  }

  /** One character time in ns from LCR and the divisor: start + data + parity + stop bits. */
  charTimeNs(): number {
    const wlen = 5 + (this.lcr & LCR_WLEN_MASK);
    const stop = this.lcr & LCR_STOP ? (wlen === 5 ? 1.5 : 2) : 1;
    const bits = 1 + wlen + (this.lcr & LCR_PARITY ? 1 : 0) + stop;
    const div = this.divisor || 0x10000;
    return (bits * 16 * div * 1e9) / XTAL_HZ;
  }

  private readRbr(): number {
    if (this.rxCount === 0) return this.lastRbr; // the RBR keeps its last character
    const v = this.rxData[this.rxHead];
    this.rxHead = (this.rxHead + 1) % FIFO_SIZE;
    this.rxCount--;
    this.lastRbr = v;
    // Datasheet "FIFO Interrupt Mode Operation": a CPU read clears the timeout and restarts its timer.
    this.timeoutPending = false;
    this.lastRxActivityNs = this.clock.now();
    if (this.rxCount > 0) this.lsrErrors |= this.rxErr[this.rxHead];
    this.feed();
    this.armTimeout();
    this.updateIrq();
    return v;
  }

  private readLsr(): number {
    let v = this.lsrErrors;
    if (this.txCount === 0) v |= this.tsrBusy ? LSR_THRE : LSR_THRE | LSR_TEMT;
    if (this.rxCount > 0) v |= LSR_DR;
    if (this.fifoEnabled()) {
      for (let i = 0; i < this.rxCount; i++) {
        if (this.rxErr[(this.rxHead + i) % FIFO_SIZE]) {
          v |= LSR_RXFIFO_ERROR;
          break;
        }
      }
    }
    // Datasheet "Line Status Register": OE, PE, FE and BI reset when the CPU reads the LSR.
    this.lsrErrors = 0;
    this.updateIrq();
    return v;
  }

  /** Highest-priority pending interrupt (datasheet "Interrupt Control Functions" table), no side effects. */
  private currentInterrupt(): number {
    if (this.ier & IER_ELSI && this.lsrErrors & LSR_ERRORS) return IIR_RLS;
    if (this.ier & IER_ERBFI) {
      if (this.fifoEnabled() ? this.rxCount >= this.triggerLevel() : this.rxCount > 0) return IIR_RDA;
      if (this.timeoutPending) return IIR_CTI;
    }
    if (this.ier & IER_ETBEI && this.thrPending) return IIR_THRE;
    if (this.ier & IER_EDSSI && this.msr & 0x0f) return IIR_MS;
    return IIR_NO_INT;
  }

  private readIir(): number {
    const id = this.currentInterrupt();
    // "Interrupt Control Functions": the THRE interrupt is reset by reading the IIR when it is the source reported.
    if (id === IIR_THRE) {
      this.thrPending = false;
      this.updateIrq();
    }
    return id | (this.fifoEnabled() ? IIR_FIFO_ENABLED : 0);
  }

  private writeThr(v: number): void {
    // Writing THR resets the THRE interrupt; the byte leaves at once and THR is empty again,
    // which is a new THRE event. Dropping the line in between gives an edge-triggered PIC its edge.
    this.thrPending = false;
    this.updateIrq();
    this.stats.txBytes++;
    if (!this.paced) {
      this.emit(v);
      this.thrPending = true;
    } else {
      if (this.txCount < this.capacity()) {
        this.txData[(this.txHead + this.txCount) % FIFO_SIZE] = v;
        this.txCount++;
      } else if (!this.fifoEnabled()) {
        this.txData[this.txHead] = v; // a full THR is overwritten; a full TX FIFO drops the byte
      }
      if (!this.tsrBusy) this.startTx(this.clock.now());
    }
    this.updateIrq();
  }

  /** The transmitter: the character leaves on the wire, or into the receiver in loopback. */
  private emit(v: number): void {
    if (this.mcr & MCR_LOOP) this.rxPush(v, 0);
    else this.sink(v);
  }

  /** Paced mode: moves the next character into the shift register; THRE when the THR/FIFO empties. */
  private startTx(t: number): void {
    if (this.txCount === 0) {
      this.tsrBusy = false;
      return;
    }
    this.tsrByte = this.txData[this.txHead];
    this.txHead = (this.txHead + 1) % FIFO_SIZE;
    this.txCount--;
    this.tsrBusy = true;
    this.txTimer.armAt(t + this.charTimeNs());
    if (this.txCount === 0) this.thrPending = true;
  }

  private onTxDone(at: number): void {
    this.tsrBusy = false;
    this.emit(this.tsrByte);
    this.startTx(at);
    this.updateIrq();
  }

  private clearTx(): void {
    if (this.txCount > 0) this.thrPending = true; // THR/FIFO became empty
    this.txHead = 0;
    this.txCount = 0;
  }

  private writeIer(v: number): void {
    const old = this.ier;
    this.ier = v & 0x0f; // bits 7-4 are always 0 (Linux probes them to tell XScale/16750 apart)
    if (this.ier & IER_ETBEI) {
      // Enabling ETBEI while THR is empty raises THRE at once; Linux's UART_BUG_TXEN and
      // UART_BUG_THRE probes (8250_port.c serial8250_do_startup) count on it.
      if (!(old & IER_ETBEI)) this.thrPending = true;
    } else {
      this.thrPending = false;
    }
    this.updateIrq();
  }

  private writeFcr(v: number): void {
    const enable = (v & FCR_ENABLE) !== 0;
    if (enable !== this.fifoEnabled()) {
      this.clearRx(); // changing FCR0 empties both FIFOs
      this.clearTx();
    }
    // "Bit 0 must be 1 when other FCR bits are written to or they will not be programmed."
    if (!enable) {
      this.fcr = 0;
    } else {
      if (v & FCR_CLEAR_RX) this.clearRx();
      if (v & FCR_CLEAR_TX) this.clearTx(); // the shift register is not cleared
      this.fcr = v & (FCR_ENABLE | FCR_DMA_MODE | FCR_TRIGGER_MASK);
    }
    this.feed();
    this.armTimeout();
    this.updateIrq();
  }

  private writeLcr(v: number): void {
    const old = this.lcr;
    this.lcr = v;
    // Setting break in loopback: the receiver sees a spacing line, i.e. one 0 character with BI
    // (and FE, as its stop bit is 0) - datasheet "Line Status Register" bit 4.
    if (v & LCR_BREAK && !(old & LCR_BREAK) && this.mcr & MCR_LOOP) this.rxPush(0, LSR_BI | LSR_FE);
    this.armTimeout();
  }

  private writeMcr(v: number): void {
    const old = this.mcr;
    this.mcr = v & 0x1f; // bits 7-5 are always 0
    if (this.mcr & MCR_LOOP) {
      // Datasheet "Modem Control Register" bit 4: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD.
      const m = this.mcr;
      this.setMsrLevels(
        (m & MCR_RTS ? MSR_CTS : 0) | (m & MCR_DTR ? MSR_DSR : 0) | (m & MCR_OUT1 ? MSR_RI : 0) | (m & MCR_OUT2 ? MSR_DCD : 0),
      );
      if (!(old & MCR_LOOP) && this.lcr & LCR_BREAK) this.rxPush(0, LSR_BI | LSR_FE);
    } else {
      this.setMsrLevels(this.externalMsr);
      if (old & MCR_LOOP) this.feed(); // host input resumes
    }
    this.updateIrq();
  }

  private setDivisor(dll: number, dlm: number): void {
    this.dll = dll;
    this.dlm = dlm;
    this.armTimeout();
  }

  /** New modem input levels; sets the change bits (TERI on RI's trailing edge only). */
  private setMsrLevels(levels: number): void {
    const old = this.msr & 0xf0;
    const changed = old ^ levels;
    let delta = 0;
    if (changed & MSR_CTS) delta |= MSR_DCTS;
    if (changed & MSR_DSR) delta |= MSR_DDSR;
    if (changed & MSR_RI && old & MSR_RI) delta |= MSR_TERI;
    if (changed & MSR_DCD) delta |= MSR_DDCD;
    this.msr = levels | (this.msr & 0x0f) | delta;
    this.updateIrq();
  }

  /** A character arrives at the receiver: into the FIFO/RBR, or an overrun. */
  private rxPush(v: number, err: number): void {
    this.stats.rxBytes++;
    this.lastRxActivityNs = this.clock.now();
    if (this.rxCount >= this.capacity()) {
      this.stats.overruns++;
      this.lsrErrors |= LSR_OE;
      // Datasheet LSR bit 1: with FIFOs the new character is lost; without, it replaces the RBR.
      if (!this.fifoEnabled()) {
        this.rxData[this.rxHead] = v;
        this.rxErr[this.rxHead] = err;
        this.lsrErrors |= err;
      }
    } else {
      const i = (this.rxHead + this.rxCount) % FIFO_SIZE;
      this.rxData[i] = v;
      this.rxErr[i] = err;
      this.rxCount++;
      if (this.rxCount === 1) this.lsrErrors |= err; // errors show when the character is on top
    }
    this.armTimeout();
    this.updateIrq();
  }

  /** Moves queued host input into the FIFO while there is room (never in loopback). */
  private feed(): void {
    if (this.mcr & MCR_LOOP) return;
    const cap = this.capacity();
    while (this.rxCount < cap && this.queueHead < this.queue.length) {
      const e = this.queue[this.queueHead++];
      this.rxPush(e & 0xff, e & QUEUED_BREAK ? LSR_BI | LSR_FE : 0);
    }
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead > 4096) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  private clearRx(): void {
    this.rxHead = 0;
    this.rxCount = 0;
    this.timeoutPending = false;
  }

  /** Datasheet "FIFO Interrupt Mode Operation": timeout after 4 character times of RX FIFO quiet. */
  private armTimeout(): void {
    if (this.fifoEnabled() && this.rxCount > 0) this.timeoutTimer.armAt(this.lastRxActivityNs + 4 * this.charTimeNs());
    else this.timeoutTimer.cancel();
  }

  private onTimeout(_at: number): void {
    if (this.fifoEnabled() && this.rxCount > 0) {
      this.timeoutPending = true;
      this.updateIrq();
    }
  }

  private irqLevel(): boolean {
    if (this.out2GatesIrq && !(this.mcr & MCR_OUT2)) return false;
    return this.currentInterrupt() !== IIR_NO_INT;
  }

  private updateIrq(): void {
    this.irq.set(this.irqLevel());
  }
}

function inputsToMsr(i: ModemInputs): number {
  return (i.cts ? MSR_CTS : 0) | (i.dsr ? MSR_DSR : 0) | (i.ri ? MSR_RI : 0) | (i.dcd ? MSR_DCD : 0);
}

function msrToInputs(m: number): ModemInputs {
  return { cts: (m & MSR_CTS) !== 0, dsr: (m & MSR_DSR) !== 0, ri: (m & MSR_RI) !== 0, dcd: (m & MSR_DCD) !== 0 };
}

function restoreDeadline(t: Timer, d: number): void {
  if (d >= 0) t.armAt(d);
  else t.cancel();
}
