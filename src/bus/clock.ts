// The machine's clock: virtual time in nanoseconds and timers on it.
// Deterministic mode: time only moves when the board calls advance() (derived from guest
// instructions executed), so a run is reproducible byte for byte. Host mode: time follows a
// host time source (injected, so the core stays free of Node/browser APIs).

export type TimeSource = () => number; // milliseconds, monotonic (performance.now())

export class Timer {
  /** Absolute deadline in ns, or Infinity when disarmed. */
  deadline = Infinity;
  constructor(
    readonly name: string,
    readonly callback: (now: number) => void,
    private readonly clock: Clock,
  ) {}

  /** Fires once at absolute time `at` (ns). Re-arming replaces the previous deadline. */
  armAt(at: number): void {
    this.deadline = at;
    this.clock.rescan();
  }

  armIn(delay: number): void {
    this.armAt(this.clock.now() + delay);
  }

  cancel(): void {
    this.deadline = Infinity;
    this.clock.rescan();
  }

  get armed(): boolean {
    return this.deadline !== Infinity;
  }
}

export class Clock {
  private virtualNs = 0;
  private hostOffset = 0;
  /** Deterministic mode: guest instructions retired so far, and virtual ns per instruction. */
  private counter: (() => number) | null = null;
  private nsPerInstruction = 0;
  private readonly timers: Timer[] = [];
  private earliest = Infinity;

  /** Without a host source the clock is deterministic. */
  constructor(private readonly hostSource: TimeSource | null = null) {
    if (hostSource) this.hostOffset = hostSource();
  }

  get deterministic(): boolean {
    return this.hostSource === null;
  }

  /**
   * Deterministic time that follows the engine's instruction counter: a device read in the
   * middle of a CPU slice sees the time of that very instruction, so results do not depend on
   * how the host splits the run. advance() then only adds idle time skipped while halted.
   */
  attachInstructionCounter(counter: () => number, nsPerInstruction: number): void {
    const now = this.now();
    this.counter = counter;
    this.nsPerInstruction = nsPerInstruction;
    this.virtualNs = now - counter() * nsPerInstruction;
  }

  /**
   * While time is a line in the instruction counter (deterministic, counter attached), its
   * value at count 0: now() === lineBase() + count × nsPerInstruction. NaN otherwise.
   */
  lineBase(): number {
    return this.hostSource === null && this.counter !== null ? this.virtualNs : NaN;
  }

  /** Current time in ns. */
  now(): number {
    if (this.hostSource) return this.virtualNs + (this.hostSource() - this.hostOffset) * 1e6;
    if (this.counter) return this.virtualNs + this.counter() * this.nsPerInstruction;
    return this.virtualNs;
  }

  /** Moves virtual time forward (deterministic mode) and fires due timers. */
  advance(ns: number): void {
    if (ns > 0) this.virtualNs += ns;
    this.runDue();
  }

  /** Fires every timer whose deadline has passed, in deadline order. */
  runDue(): void {
    const now = this.now();
    while (this.earliest <= now) {
      let first: Timer | null = null;
      for (const t of this.timers) if (t.deadline <= now && (!first || t.deadline < first.deadline)) first = t;
      if (!first) break;
      const at = first.deadline;
      first.deadline = Infinity;
      this.rescan();
      first.callback(at);
    }
  }

  /** ns until the next timer is due (Infinity when none is armed). */
  untilNextDeadline(): number {
    return this.earliest === Infinity ? Infinity : Math.max(0, this.earliest - this.now());
  }

  createTimer(name: string, callback: (now: number) => void): Timer {
    const t = new Timer(name, callback, this);
    this.timers.push(t);
    return t;
  }

  /** @internal recomputes the earliest deadline after a timer changed. */
  rescan(): void {
    let e = Infinity;
    for (const t of this.timers) if (t.deadline < e) e = t.deadline;
    this.earliest = e;
  }

  saveState(): { version: 1; now: number; timers: Record<string, number> } {
    const timers: Record<string, number> = {};
    for (const t of this.timers) timers[t.name] = t.deadline === Infinity ? -1 : t.deadline;
    return { version: 1, now: this.now(), timers };
  }

  /** Restores time and every named timer's deadline (timers are re-created by their devices). */
  loadState(state: { version: number; now: number; timers: Record<string, number> }): void {
    if (state.version !== 1) throw new Error(`clock: unsupported state version ${state.version}`);
    this.virtualNs = state.now - (this.counter ? this.counter() * this.nsPerInstruction : 0);
    if (this.hostSource) this.hostOffset = this.hostSource();
    for (const t of this.timers) {
      const d = state.timers[t.name];
      t.deadline = d === undefined || d < 0 ? Infinity : d;
    }
    this.rescan();
  }
}
