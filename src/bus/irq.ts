// Interrupt request lines and the interface the CPU uses to take external interrupts.

/** One wire from a device to an interrupt controller input. Level is 0 or 1. */
export interface IrqLine {
  /** Drives the line high (asserted) or low. Edge-triggered inputs latch on 0→1. */
  set(level: boolean): void;
  raise(): void;
  lower(): void;
  /** A rising then falling edge, for devices that pulse their output. */
  pulse(): void;
}

/** What the CPU asks of the interrupt controller (the 8259 pair, later the APIC). */
export interface InterruptController {
  /** True when an unmasked interrupt is waiting for the CPU's INTA cycle. */
  hasPending(): boolean;
  /** The INTA cycle: acknowledges the highest-priority request and returns its vector. */
  acknowledge(): number;
}

/** raise/lower/pulse in terms of set(): an implementation only says what a level change does. */
export abstract class BaseIrqLine implements IrqLine {
  abstract set(level: boolean): void;
  raise(): void {
    this.set(true);
  }
  lower(): void {
    this.set(false);
  }
  pulse(): void {
    this.set(true);
    this.set(false);
  }
}

/** An IrqLine that calls `sink(level)` only when the level changes. */
export class CallbackIrqLine extends BaseIrqLine {
  private level = false;
  constructor(private readonly sink: (level: boolean) => void) {
    super();
  }

  set(level: boolean): void {
    if (level === this.level) return;
    this.level = level;
    this.sink(level);
  }
  get asserted(): boolean {
    return this.level;
  }
}

/** A line that records its level and edges, for device unit tests. */
export class RecordingIrqLine extends BaseIrqLine {
  level = false;
  rises = 0;
  set(level: boolean): void {
    if (level && !this.level) this.rises++;
    this.level = level;
  }
}
