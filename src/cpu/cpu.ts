// The software i686: architectural state, the interpreter loop and save/restore.
// Decoding lives in decoder.ts, memory access in mmu.ts, semantics in ops/, exceptions in
// interrupts.ts. All state is in fields and typed arrays of this object: nothing module-level.
import type { PhysicalMemory } from '../memory/physical-memory.js';
import type { PortBus } from '../bus/port-bus.js';
import type { InterruptController, IrqLine } from '../bus/irq.js';
import {
  Attr, Flag, Reg, Seg, SEG_NONE, REAL_MODE_DATA_ATTR, REAL_MODE_CODE_ATTR, Cr0, EFLAGS_WRITABLE,
} from './state.js';
import { getFlags } from './flags.js';
import { OPCODE_INFO, Op, PREFIX } from './decoder.js';
import { HANDLERS } from './ops/table.js';
import { decodeModRM, fetch8 } from './fetch.js';
import { checkLock } from './ops/lock.js';
import { deliverFault, takeExternalInterrupt, singleStepTrap, FaultSignal } from './interrupts.js';
import { setSegmentRealMode, refreshSegAccess } from './segments.js';
import { TlbState, TLB_PAGES } from './paging.js';
import { CPU_AREA_REGS } from './cpu-area.js';
import { X87Bridge } from './ops/x87-bridge.js';
import { MSR_SLOTS, resetMsrs } from './ops/msr.js';
import { widenNumberFields } from './wide-fields.js';
import { Jit, BlockRun, type JitOptions } from './jit/jit.js';
import { DebugState, debugAfterInstruction, debugBeforeInstruction, debugFlagsChanged, updateSlowChecks } from './debug.js';

export interface CpuHost {
  memory: PhysicalMemory;
  ports: PortBus;
  interrupts: InterruptController;
  /** The board's time in ns (the TSC follows it, tsc.ts); absent on a bare CPU. */
  timeNs?: () => number;
  /**
   * When timeNs() is a line in the instruction counter (a deterministic board): its value at
   * count 0 (NaN when it is not), and its slope. Translated code reads the TSC from these.
   */
  timeLineBase?: () => number;
  timeLineSlope?: number;
}

export const enum CpuExit {
  Budget = 0,
  Halted = 1,
  Shutdown = 2 /* triple fault */,
  Breakpoint = 3,
}

/**
 * Family 6 (P6), model 3, stepping 3 (a Pentium II-class signature): the value EDX holds after
 * reset and CPUID.1:EAX reports. Model >= 3 matters: kernels ignore SEP on earlier P6 models.
 */
export const CPU_SIGNATURE = 0x0633;

/** Hook for ESC (D8-DF) instructions; the x87 unit (ops/x87-bridge.ts) installs itself here. */
export interface FpuHook {
  /** Executes one x87 instruction; the ModRM operand is decoded in the Cpu (c.isReg/c.eaSeg/c.eaOff). */
  execute(c: Cpu, opcode: number): void;
  /** 9B WAIT/FWAIT (after its #NM check): reports a pending unmasked x87 exception. */
  wait(c: Cpu): void;
  /** 0F AE /0 FXSAVE, /1 FXRSTOR. */
  fxsaveGroup(c: Cpu): void;
  /** The board's port 0xF0 write: clears the FERR# latch (c.ferr) and asserts IGNNE#. */
  clearError(c: Cpu): void;
  reset(): void;
  saveState(): unknown;
  loadState(s: unknown): void;
}

export interface CpuState {
  version: number;
  regs: number[];
  eip: number;
  eflags: number;
  segSel: number[];
  segBase: number[];
  segLimit: number[];
  segAttr: number[];
  cr: number[];
  dr: number[];
  gdtr: [number, number];
  idtr: [number, number];
  cpl: number;
  halted: boolean;
  /** x87 state (ops/x87-bridge.ts) when an FPU is installed. */
  fpu?: unknown;
  instructions: number;
  inhibit: boolean;
  tscOffset: number;
  msrLo?: number[];
  msrHi?: number[];
  efer?: number;
  pdpte?: number[];
}

const STATE_VERSION = 1;

/** Fields that reach 2^31 or more (addresses above 2 GiB, unsigned operands, counters): wide-fields.ts. */
const WIDE_FIELDS = [
  'eip', 'instStart', 'eaOff', 'gdtrBase', 'gdtrLimit', 'idtrBase', 'idtrLimit', 'stackMask',
  'fetchMin', 'fetchEnd', 'fetchSpan', 'fetchDelta', 'instructions', 'stopAt', 'descAddr', 'descLo', 'descHi', 'mulHi', 'divQ', 'divR', 'tscOffset', 'blockBase',
] as const;

export class Cpu {
  readonly host: CpuHost;
  readonly mem: PhysicalMemory;
  readonly ram: Uint8Array;
  /** The same RAM as 32-bit words (little-endian host): aligned dword accesses in one load. */
  readonly ram32: Int32Array;
  readonly pageKind: Uint8Array;
  readonly codePages: Uint8Array;
  readonly dirtyPages: Uint8Array;

  // ---- general registers: one buffer seen as 32/16/8-bit (little-endian host) ----
  readonly regs: Uint32Array;
  readonly r16: Uint16Array;
  readonly r8: Uint8Array;
  eip = 0;

  // ---- EFLAGS: eflags holds every bit not in fLazy; see flags.ts ----
  eflags = Flag.FIXED1;
  fLazy = 0;
  fOp = 0;
  /** Operands and result of the last lazy-flag producer, as int32 bit patterns (readers use bit operations or >>> 0). */
  fDst = 0;
  fSrc = 0;
  fRes = 0;
  fBits = 32;

  // ---- segment registers with hidden descriptor caches (ES CS SS DS FS GS LDTR TR) ----
  readonly segSel = new Uint16Array(8);
  readonly segBase = new Int32Array(8);
  readonly segLimit = new Uint32Array(8);
  readonly segAttr = new Uint32Array(8);
  /** Valid offsets for reads: [segMin, segRMax]; writes: [segMin, segWMax] (-1 when forbidden). */
  readonly segMin = new Float64Array(8);
  readonly segRMax = new Float64Array(8);
  readonly segWMax = new Float64Array(8);

  // ---- system state ----
  readonly cr = new Uint32Array(5);
  readonly dr = new Uint32Array(8);
  gdtrBase = 0;
  gdtrLimit = 0xffff;
  idtrBase = 0;
  idtrLimit = 0xffff;
  cpl = 0;
  /** True when CR0.PE is set (protected mode, including V86). */
  protectedMode = false;
  /** CR0.PG (with PE): linear addresses go through the TLB (paging.ts). */
  paging = false;
  readonly tlb: TlbState;
  /**
   * Where translated WebAssembly code finds the CPU (jit/wasm-tier.ts): the memory's CPU area, which
   * holds tlb.fast at 0 and the registers at CPU_AREA_REGS; null when this CPU keeps them in
   * arrays of its own (no WebAssembly, or a second CPU on the same memory).
   */
  readonly cpuArea: Uint8Array | null;
  /** PAE: the four PDPTEs loaded from CR3 (low dwords; bits above 4 GiB are rejected on load). */
  readonly pdpte = new Uint32Array(4);
  /** IA32_EFER (MSR C0000080h): only NXE is implemented. */
  efer = 0;
  /** Memory accesses are checked as user-mode (CPL 3) accesses by paging. */
  user = false;
  /** Default operand/address size of the code segment (CS.D) and stack width (SS.B). */
  codeBig = false;
  stackMask = 0xffff;

  // ---- per-instruction decode state ----
  op = 0;
  o32 = false;
  a32 = false;
  segOvr = SEG_NONE;
  rep = 0; // 0, 0xF2 or 0xF3
  lock = false;
  modrm = 0;
  reg = 0; // ModRM reg field
  rm = 0; // ModRM r/m field
  isReg = false;
  eaSeg: number = Seg.DS;
  eaOff = 0;
  /** The effective address used ESP as its base (POP r/m adjusts it, SDM Vol. 2B POP). */
  eaEspBase = false;
  instStart = 0;
  startEsp = 0;
  /** Instruction count at the entry of the running translated block (jit/mem.ts fault path). */
  blockBase = 0;
  /** The descriptor last read by protected/descriptors.ts (two dwords and its linear address). */
  descLo = 0;
  descHi = 0;
  descAddr = 0;
  /** Stored MSRs (ops/msr.ts slots): low and high dwords. */
  readonly msrLo = new Uint32Array(MSR_SLOTS);
  readonly msrHi = new Uint32Array(MSR_SLOTS);
  /** Scratch for call-gate parameters (at most 31). */
  readonly scratch = new Uint32Array(32);
  /** Scratch results of 64-bit multiply/divide helpers (ops/muldiv.ts). */
  mulHi = 0;
  divQ = 0;
  divR = 0;
  /** The prefix-derived fields above differ from their defaults (reset before the next instruction). */
  decodeDirty = true;
  /** Interrupt shadow after MOV SS / POP SS / STI (SDM Vol. 3A §6.8.3). */
  inhibit = false;
  /**
   * Debug breakpoints armed (DR7), alignment checking active (CR0.AM, EFLAGS.AC, CPL 3), RF set
   * or a debug trap pending: instructions and data accesses take the checking paths of debug.ts
   * (translated code does not run). Recomputed by debug.ts updateSlowChecks().
   */
  slowChecks = false;
  /** Debug-register and alignment-check state (debug.ts). */
  readonly dbg = new DebugState();

  // ---- instruction fetch window: for fetchMin <= eip <= fetchMin + fetchSpan the byte is
  // fetchBuf[eip + fetchDelta]; one unsigned compare checks both bounds ----
  /** First eip inside the cached page. */
  fetchMin = 0;
  /** Last eip inside the cached RAM code page and the CS limit (-1: no window). */
  fetchEnd = -1;
  /** fetchEnd - fetchMin, capped at instStart + 14 once a prefix is seen (15-byte limit); negative: no window. */
  fetchSpan = -1;
  fetchDelta = 0;
  /** The array the window reads: RAM, or a ROM region's bytes. */
  fetchBuf: Uint8Array;
  /** Copy of memory.a20Mask, refreshed when A20 can change (run() entry, OUT). */
  a20Mask = 0xffffffff;
  /** memory.mapGeneration when the TLB was last consistent with the memory map. */
  mapGeneration = 0;

  // ---- run control ----
  /** The translator (jit/jit.ts), or null: interpreter only. Set with setJit(). */
  jit: Jit | null = null;
  instructions = 0;
  stopAt = 0;
  exitReason: CpuExit = CpuExit.Budget;
  halted = false;
  tscOffset = 0;

  // ---- exceptions: raise() fills these and throws the preallocated signal ----
  readonly fault = new FaultSignal();
  faultVector = 0;
  faultCode = -1;
  /** Vector of the last exception or interrupt delivered (diagnostics and tests). */
  lastVector = -1;
  /** Nesting while delivering an exception, for #DF and triple-fault detection. */
  deliveryDepth = 0;

  /** The x87 unit. Null: ESC instructions do what a CPU without an FPU does (CPUID.FPU = 0). */
  fpu: FpuHook | null = new X87Bridge();
  /**
   * FERR# (CR0.NE=0 error reporting): the board wires it to IRQ13 and calls fpu.clearError()
   * on a write to port 0xF0 (SDM Vol. 1 Appendix D.2). Null: not connected.
   */
  ferr: IrqLine | null = null;

  constructor(host: CpuHost) {
    this.host = host;
    this.mem = host.memory;
    this.ram = host.memory.ram;
    this.ram32 = new Int32Array(this.ram.buffer, this.ram.byteOffset, this.ram.byteLength >>> 2);
    this.pageKind = host.memory.pageKind;
    this.codePages = host.memory.codePages;
    this.dirtyPages = host.memory.dirtyPages;
    const area = host.memory.claimCpuArea();
    this.cpuArea = area;
    const regBuf = area === null ? new ArrayBuffer(32) : area.buffer;
    const regAt = area === null ? 0 : area.byteOffset + CPU_AREA_REGS;
    this.regs = new Uint32Array(regBuf, regAt, 8);
    this.r16 = new Uint16Array(regBuf, regAt, 16);
    this.r8 = new Uint8Array(regBuf, regAt, 32);
    this.tlb = new TlbState(area === null ? undefined : new Int32Array(area.buffer, area.byteOffset, TLB_PAGES));
    this.fetchBuf = this.ram;
    widenNumberFields(this, WIDE_FIELDS);
    this.reset();
  }

  /** Power-on state (SDM Vol. 3A §9.1.1, Table 9-1). */
  reset(): void {
    this.regs.fill(0);
    this.regs[Reg.EDX] = CPU_SIGNATURE;
    this.eip = 0xfff0;
    this.eflags = Flag.FIXED1;
    this.fLazy = 0;
    for (let s = 0; s < 8; s++) {
      setSegmentRealMode(this, s, 0);
      this.segLimit[s] = 0xffff;
      this.segAttr[s] = REAL_MODE_DATA_ATTR;
    }
    this.segSel[Seg.CS] = 0xf000;
    this.segBase[Seg.CS] = 0xffff0000 | 0;
    this.segAttr[Seg.CS] = REAL_MODE_CODE_ATTR;
    for (let s = 0; s < 8; s++) refreshSegAccess(this, s);
    this.cr.fill(0);
    this.cr[0] = Cr0.ET | Cr0.CD | Cr0.NW;
    this.dr.fill(0);
    this.dr[6] = 0xffff0ff0;
    this.dr[7] = 0x400;
    this.dbg.reset();
    resetMsrs(this);
    this.efer = 0;
    this.pdpte.fill(0);
    this.gdtrBase = 0;
    this.gdtrLimit = 0xffff;
    this.idtrBase = 0;
    this.idtrLimit = 0xffff;
    this.cpl = 0;
    this.protectedMode = false;
    this.paging = false;
    this.tlb.flush();
    this.user = false;
    this.codeBig = false;
    this.decodeDirty = true;
    this.stackMask = 0xffff;
    this.inhibit = false;
    this.halted = false;
    this.flushFetch();
    this.deliveryDepth = 0;
    if (this.fpu !== null) this.fpu.reset();
    updateSlowChecks(this);
  }

  /** Executes up to `budget` instructions (SDM semantics per instruction; see ops/). */
  run(budget: number): CpuExit {
    this.exitReason = CpuExit.Budget;
    this.flushFetch(); // the memory map or A20 may have changed since the last slice
    this.stopAt = this.instructions + budget;
    if (this.halted) {
      // The loop below takes the pending interrupt at the first boundary.
      if ((this.eflags & Flag.IF) === 0 || !this.host.interrupts.hasPending()) return CpuExit.Halted;
      this.halted = false;
      this.inhibit = false;
    }
    const info = OPCODE_INFO;
    const handlers = HANDLERS;
    const interrupts = this.host.interrupts; // one load per slice, not per instruction
    const jit = this.jit;
    for (;;) {
      // Blocks are looked up where control arrives (slice start, branches, interrupts, faults),
      // not before every interpreted instruction of straight-line cold code.
      let tryJit = jit !== null;
      try {
        while (this.instructions < this.stopAt) {
          // Instruction boundary: external interrupts unless masked or shadowed.
          if (this.inhibit) {
            this.inhibit = false;
          } else if ((this.eflags & Flag.IF) !== 0 && interrupts.hasPending()) {
            takeExternalInterrupt(this);
            tryJit = jit !== null;
          } else if (tryJit && (this.eflags & Flag.TF) === 0 && !this.slowChecks) {
            const ran = jit!.runBlock(this);
            if (ran === BlockRun.RAN) continue; // a translated block ran (jit/jit.ts; it ends before anything that changes these checks)
            tryJit = ran === BlockRun.RETRY;
          }
          const slow = this.slowChecks; // debug.ts: breakpoints, #AC, RF (false: nothing to do)
          if (slow) debugBeforeInstruction(this);
          const tf = this.eflags & Flag.TF;
          const start = this.eip;
          this.instStart = start;
          this.startEsp = this.regs[Reg.ESP] | 0; // signed: stays a small integer, not a boxed double
          if (this.decodeDirty) this.resetDecode();
          let b = fetch8(this);
          if (PREFIX[b] !== 0) b = readPrefixes(this, b, start);
          if (b === 0x0f) b = 0x100 | fetch8(this);
          this.op = b;
          const inf = info[b];
          if ((inf & Op.MODRM) !== 0) decodeModRM(this);
          if (this.lock) checkLock(this, inf);
          handlers[b](this);
          this.instructions++;
          if ((inf & Op.BRANCH) !== 0 && jit !== null) tryJit = true;
          if (slow) debugAfterInstruction(this, tf);
          else if (tf !== 0 && !this.inhibit) singleStepTrap(this);
        }
        return this.exitReason;
      } catch (e) {
        if (e !== this.fault) throw e;
        this.instructions++;
        if (!deliverFault(this)) {
          this.exitReason = CpuExit.Shutdown;
          this.halted = true;
          return CpuExit.Shutdown;
        }
      }
    }
  }

  /** Turns dynamic translation on (with options) or off (null). */
  setJit(options: JitOptions | null): void {
    if (this.jit !== null) {
      this.jit.flush();
      this.mem.onCodeWrite = null;
    }
    this.jit = options === null ? null : new Jit(this, options);
  }

  /** Drops the fetch window (CS, A20, memory map or paging changed). */
  flushFetch(): void {
    this.fetchEnd = -1;
    this.fetchMin = 0;
    this.fetchSpan = -1;
    // TlbState.fast holds A20 and RAM-ness as of each fill: drop it when either changed.
    if (this.a20Mask !== this.mem.a20Mask || this.mapGeneration !== this.mem.mapGeneration) {
      this.a20Mask = this.mem.a20Mask;
      this.mapGeneration = this.mem.mapGeneration;
      this.tlb.flush();
    }
  }

  /**
   * Runs the one instruction at EIP as run() does, for translated code that calls out to the
   * interpreter (jit/wasm-tier.ts interpretCall; no interrupt, TF or debug checks: the caller
   * runs only where run() would have found none), counting from `count` (what c.instructions
   * would be had the translated code kept it). True when it completed; false when it faulted
   * (the fault is delivered as run() delivers it) or ended the run (HLT, a triple fault).
   */
  interpretOne(count: number): boolean {
    const instructions = this.instructions;
    this.instructions = count;
    try {
      // run()'s decode and dispatch, which stays written out there: called as a method from the
      // loop, it made the interpreter ~7 % slower (bench/cpu-loop.js).
      const start = this.eip;
      this.instStart = start;
      this.startEsp = this.regs[Reg.ESP] | 0;
      if (this.decodeDirty) this.resetDecode();
      let b = fetch8(this);
      if (PREFIX[b] !== 0) b = readPrefixes(this, b, start);
      if (b === 0x0f) b = 0x100 | fetch8(this);
      this.op = b;
      const inf = OPCODE_INFO[b];
      if ((inf & Op.MODRM) !== 0) decodeModRM(this);
      if (this.lock) checkLock(this, inf);
      HANDLERS[b](this);
      return this.stopAt !== 0;
    } catch (e) {
      if (e !== this.fault) throw e;
      this.instructions = count + 1;
      if (!deliverFault(this)) {
        this.exitReason = CpuExit.Shutdown;
        this.halted = true;
        this.stopAt = 0;
      }
      return false;
    } finally {
      this.instructions = instructions;
    }
  }

  /** The decode state an instruction without prefixes starts from (only after prefixes or a change of CS.D). */
  private resetDecode(): void {
    this.o32 = this.codeBig;
    this.a32 = this.codeBig;
    this.segOvr = SEG_NONE;
    this.rep = 0;
    this.lock = false;
    this.decodeDirty = false;
    this.fetchSpan = this.fetchEnd - this.fetchMin; // drop a prefixed instruction's 15-byte cap
  }

  /** Stops the current run() after this instruction with the given reason (HLT, breakpoints). */
  stop(reason: CpuExit): void {
    this.exitReason = reason;
    this.stopAt = 0;
  }

  /** EFLAGS as software sees it (lazy flags evaluated). */
  getEflags(): number {
    return getFlags(this);
  }

  /** Writes EFLAGS without privilege checks (debuggers, loaders, tests). */
  setEflags(v: number): void {
    this.eflags = ((v & EFLAGS_WRITABLE) | Flag.FIXED1) >>> 0;
    this.fLazy = 0;
    debugFlagsChanged(this);
  }

  saveState(): CpuState {
    return {
      version: STATE_VERSION,
      regs: Array.from(this.regs),
      eip: this.eip,
      eflags: getFlags(this),
      segSel: Array.from(this.segSel),
      segBase: Array.from(this.segBase),
      segLimit: Array.from(this.segLimit),
      segAttr: Array.from(this.segAttr),
      cr: Array.from(this.cr),
      dr: Array.from(this.dr),
      gdtr: [this.gdtrBase, this.gdtrLimit],
      idtr: [this.idtrBase, this.idtrLimit],
      cpl: this.cpl,
      halted: this.halted,
      fpu: this.fpu !== null ? this.fpu.saveState() : undefined,
      instructions: this.instructions,
      inhibit: this.inhibit,
      tscOffset: this.tscOffset,
      msrLo: Array.from(this.msrLo),
      msrHi: Array.from(this.msrHi),
      efer: this.efer,
      pdpte: Array.from(this.pdpte),
    };
  }

  loadState(s: CpuState): void {
    if (s.version !== STATE_VERSION) throw new Error(`unsupported CPU state version ${s.version}`);
    this.regs.set(s.regs);
    this.eip = s.eip;
    this.eflags = s.eflags;
    this.fLazy = 0;
    this.segSel.set(s.segSel);
    this.segBase.set(s.segBase);
    this.segLimit.set(s.segLimit);
    this.segAttr.set(s.segAttr);
    this.cr.set(s.cr);
    this.dr.set(s.dr);
    [this.gdtrBase, this.gdtrLimit] = s.gdtr;
    [this.idtrBase, this.idtrLimit] = s.idtr;
    this.cpl = s.cpl;
    this.halted = s.halted;
    if (s.fpu !== undefined && this.fpu !== null) this.fpu.loadState(s.fpu);
    this.instructions = s.instructions;
    this.inhibit = s.inhibit;
    this.tscOffset = s.tscOffset;
    this.efer = s.efer ?? 0;
    if (s.pdpte) this.pdpte.set(s.pdpte);
    if (s.msrLo && s.msrHi) {
      this.msrLo.set(s.msrLo);
      this.msrHi.set(s.msrHi);
    }
    this.tlb.flush();
    this.modeChanged();
    this.dbg.reset();
    updateSlowChecks(this);
  }

  /** Recomputes cached mode bits after CR0, EFLAGS.VM or a state load changed them. */
  modeChanged(): void {
    this.protectedMode = (this.cr[0] & Cr0.PE) !== 0;
    this.paging = this.protectedMode && (this.cr[0] & Cr0.PG) !== 0;
    this.updateSizes();
    for (let s = 0; s < 8; s++) refreshSegAccess(this, s);
    this.flushFetch();
  }

  /**
   * Default operand/address size from CS.D and stack width from SS.B. Real mode and V86
   * use 16 bits whatever the caches hold (SDM Vol. 3A §20.1).
   */
  updateSizes(): void {
    const pm = this.protectedMode && (this.eflags & Flag.VM) === 0;
    this.codeBig = pm && (this.segAttr[Seg.CS] & Attr.DB) !== 0;
    this.stackMask = pm && (this.segAttr[Seg.SS] & Attr.DB) !== 0 ? 0xffffffff : 0xffff;
    this.user = this.protectedMode && ((this.eflags & Flag.VM) !== 0 || this.cpl === 3);
    this.decodeDirty = true; // the default operand/address size may have changed
    debugFlagsChanged(this); // CPL or VM changed: alignment checking (debug.ts)
  }
}

/** Reads the prefixes from byte `b` on (PREFIX[b] !== 0) into the decode state; returns the byte after them. */
function readPrefixes(c: Cpu, b: number, start: number): number {
  while (PREFIX[b] !== 0) {
    // Without prefixes no instruction reaches 15 bytes (at most 11), so the window is
    // capped at instStart + 14 (the #GP(0) length limit) only once a prefix is seen.
    c.decodeDirty = true;
    const cap = start + 14;
    c.fetchSpan = (cap < c.fetchEnd ? cap : c.fetchEnd) - c.fetchMin;
    switch (b) {
      case 0x26: c.segOvr = Seg.ES; break;
      case 0x2e: c.segOvr = Seg.CS; break;
      case 0x36: c.segOvr = Seg.SS; break;
      case 0x3e: c.segOvr = Seg.DS; break;
      case 0x64: c.segOvr = Seg.FS; break;
      case 0x65: c.segOvr = Seg.GS; break;
      case 0x66: c.o32 = !c.codeBig; break;
      case 0x67: c.a32 = !c.codeBig; break;
      case 0xf0: c.lock = true; break;
      default: c.rep = b; break; // F2, F3
    }
    b = fetch8(c);
  }
  return b;
}
