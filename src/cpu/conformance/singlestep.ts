// Runs SingleStepTests (80286 real-mode suite, JSON form) against the Cpu. Input is already
// parsed: reading and gunzipping files is the caller's job, so this runs in any JS host.
// Format: ../shared/conformance/singlestep/README.md.
import { PhysicalMemory } from '../../memory/physical-memory.js';
import { PortBus } from '../../bus/port-bus.js';
import type { InterruptController } from '../../bus/irq.js';
import { Cpu, CpuExit } from '../cpu.js';
import type { JitOptions } from '../jit/jit.js';
import { Seg, Vec, REAL_MODE_DATA_ATTR, REAL_MODE_CODE_ATTR } from '../state.js';
import { setSegmentRealMode, refreshSegAccess } from '../segments.js';

export interface SingleStepRegs {
  [name: string]: number;
}
export interface SingleStepTest {
  idx: number;
  name: string;
  bytes: number[];
  initial: { regs: SingleStepRegs; ram: [number, number][] };
  final: { regs: SingleStepRegs; ram: [number, number][] };
  exception?: { number: number; flag_address: number };
  hash: string;
}
interface FormInfo {
  status?: string;
  'flags-mask'?: number;
  reg?: Record<string, FormInfo>;
}
export interface SingleStepMetadata {
  opcodes: Record<string, FormInfo>;
}

export interface TestFailure {
  file: string;
  idx: number;
  name: string;
  hash: string;
  diffs: string[];
}

export interface SingleStepSummary {
  passed: number;
  failed: number;
  /** Comparisons that differed only in bits the masking table excludes. */
  maskedComparisons: number;
  /** Tests whose 286 outcome differs by a documented 286/i686 difference (see DIFFERENCES). */
  maskedTests: number;
  /** maskedTests by DIFFERENCES entry. */
  maskedBy: Record<string, number>;
  failures: TestFailure[];
}

/**
 * The documented differences between the recording CPU (80286) and the i686 modelled here.
 * Nothing else is masked.
 */
export const DIFFERENCES = {
  /** 286 real mode: FLAGS bits 12-15 (IOPL, NT, reserved) always read 0 (80286 PRM §3.4.3;
   *  SDM Vol. 1 §3.4.3). The recorded 1s are not CPU state: they are cleared on load and not compared. */
  flagsHighNibble: 0xf000,
  /** Flags the Intel manuals leave undefined for the instruction: metadata.json `flags-mask`,
   *  applied to FLAGS and to the FLAGS image an exception pushed (`exception.flag_address`). */
  undefinedFlagsFromMetadata: true,
  /** The 286 limits an instruction to 10 bytes and raises #GP(13) beyond; the i686 allows 15
   *  (SDM Vol. 2A §2.3.11): such tests do not apply and the i686 must execute the instruction. */
  maxLength286: 10,
  /** The 286 ignores LOCK; the 386+ raises #UD for LOCK on anything but a locked
   *  read-modify-write to memory (SDM Vol. 2A LOCK): the i686 must raise #UD. */
  lockUd: true,
  /** A stack-segment limit violation is #GP(13) on the 286 and #SS(12) on the 386+ (SDM Vol. 2,
   *  "Real-Address Mode Exceptions" of PUSH/POP/RET...): IVT entry 12 is given the handler of
   *  entry 13, so the frame and handler compare equal, and the i686 must have taken #SS. */
  stackFaultVector: true,
  /** String instructions interrupted by #GP(13) on the 286 leave SI/DI/CX partly advanced
   *  (Intel, "80286 REP MOVS and REP INS Restartability", 1984); the 386+ faults with them
   *  unchanged (SDM Vol. 3A §6.5, faults are restartable): SI, DI and CX are not compared. */
  stringFaultRegisters: ['si', 'di', 'cx'],
  /** A two-part memory operand (LES/LDS, BOUND, far CALL/JMP m16:16) at offset FFFEh: the 286
   *  fetches its second word from offset 0 (80286 PRM lists interrupt 13 only for FFFDh and
   *  FFFFh); the 386+ checks the whole operand against the limit and raises #GP(0). */
  farPointerWrap: 0xfffe,
  /** MOV to/from Sreg 4/5 (FS/GS) is #UD on the 286 and valid on the 386+: the i686 must not fault. */
  fsGs: true,
} as const;

const REG16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const SEGS: [string, number][] = [['es', Seg.ES], ['cs', Seg.CS], ['ss', Seg.SS], ['ds', Seg.DS]];

class NoInterrupts implements InterruptController {
  hasPending(): boolean {
    return false;
  }
  acknowledge(): number {
    return 0;
  }
}

const hex = (v: number, w = 4) => '0x' + (v >>> 0).toString(16).padStart(w, '0');

/** Undefined-flags mask of the form in `file` ("80.json.gz", "F6.6.json.gz", "80.0.json"...). */
export function formFlagsMask(meta: SingleStepMetadata | undefined, file: string): number {
  if (!meta) return 0xffff;
  const base = file.replace(/^.*[\\/]/, '');
  const m = /^([0-9A-Fa-f]{2,4})(?:\.([0-7]))?\.json/.exec(base);
  if (!m) return 0xffff;
  const info = meta.opcodes[m[1].toUpperCase()];
  if (!info) return 0xffff;
  const sub = m[2] !== undefined && info.reg ? info.reg[m[2]] : info;
  return sub?.['flags-mask'] ?? 0xffff;
}

export class SingleStepRunner {
  readonly memory = new PhysicalMemory(16 * 1024 * 1024);
  readonly ports = new PortBus();
  readonly cpu: Cpu;
  private readonly touched: number[] = [];

  /** `jit`: run through the translator (jit/jit.ts) with these options; omitted: interpreter only. */
  constructor(private readonly meta?: SingleStepMetadata, jit?: JitOptions) {
    this.memory.setA20(true);
    this.cpu = new Cpu({ memory: this.memory, ports: this.ports, interrupts: new NoInterrupts() });
    if (jit) this.cpu.setJit(jit);
  }

  runFile(file: string, tests: SingleStepTest[], summary: SingleStepSummary): void {
    const mask = formFlagsMask(this.meta, file) & ~DIFFERENCES.flagsHighNibble & 0xffff;
    for (const t of tests) this.runOne(file, t, mask, summary);
  }

  private runOne(file: string, t: SingleStepTest, flagsMask: number, s: SingleStepSummary): void {
    const cpu = this.cpu;
    const ram = this.memory.ram;
    this.clearRam();
    for (const [a, v] of t.initial.ram) this.poke(a, v);
    const exc = t.exception;
    const bytes = t.bytes;
    // Instruction length without the trailing HLT.
    const length = bytes.length - 1;
    const lockPrefixed = bytes.slice(0, length).includes(0xf0) && prefixCount(bytes, 0xf0);
    const op = firstOpcode(bytes);
    const modrmReg = bytes[op.at + 1] !== undefined ? (bytes[op.at + 1] >> 3) & 7 : 0;
    const fsGsForm = (op.code === 0x8c || op.code === 0x8e) && (modrmReg === 4 || modrmReg === 5);
    if (exc?.number === Vec.GP) {
      // Route a possible #SS through the handler the 286 used for its #GP.
      for (let i = 0; i < 4; i++) if (!t.initial.ram.some(([a]) => a === 12 * 4 + i)) this.poke(12 * 4 + i, ram[13 * 4 + i]);
    }

    cpu.reset();
    const r = t.initial.regs;
    REG16.forEach((n, i) => { cpu.regs[i] = r[n] & 0xffff; });
    for (const [n, sg] of SEGS) {
      setSegmentRealMode(cpu, sg, r[n]);
      cpu.segLimit[sg] = 0xffff;
      cpu.segAttr[sg] = sg === Seg.CS ? REAL_MODE_CODE_ATTR : REAL_MODE_DATA_ATTR;
      refreshSegAccess(cpu, sg);
    }
    cpu.eip = r.ip;
    cpu.setEflags(r.flags & ~DIFFERENCES.flagsHighNibble);
    cpu.lastVector = -1;

    // The instruction, then the HLT the test placed where execution continues.
    let exit = cpu.run(1);
    const firstVector = cpu.lastVector;
    if (exit === CpuExit.Budget) exit = cpu.run(100000);

    // Documented 286/i686 differences where the outcomes cannot be compared.
    if (exc?.number === Vec.GP && length > DIFFERENCES.maxLength286) {
      this.settle(s, t, file, 'maxLength286', firstVector !== Vec.GP && firstVector !== Vec.UD, 'i686 should execute an 11-15 byte instruction');
      return;
    }
    if (lockPrefixed && firstVector === Vec.UD && exc?.number !== Vec.UD) {
      this.settle(s, t, file, 'lockUd', !lockAllowed(bytes, op), 'LOCK #UD on a lockable instruction');
      return;
    }
    const twoPart = op.code === 0xc4 || op.code === 0xc5 || op.code === 0x62 || (op.code === 0xff && (modrmReg === 3 || modrmReg === 5));
    if (twoPart && !exc && ea16(bytes, op.at, r) === DIFFERENCES.farPointerWrap) {
      this.settle(s, t, file, 'farPointerWrap', firstVector === Vec.GP, 'i686 must raise #GP for a far pointer at FFFEh');
      return;
    }
    if (fsGsForm && exc?.number === Vec.UD) {
      this.settle(s, t, file, 'fsGs', firstVector !== Vec.UD, 'MOV with FS/GS must not fault on an i686');
      return;
    }

    const diffs: string[] = [];
    if (exit !== CpuExit.Halted) diffs.push(`did not reach HLT (exit ${exit})`);
    const f = t.final.regs;
    const exp = (n: string) => (f[n] !== undefined ? f[n] : r[n]);
    const stringFault = exc !== undefined && STRING_OPS.includes(op.code);
    REG16.forEach((n, i) => {
      const got = cpu.regs[i] & 0xffff;
      if (got === exp(n)) return;
      if (stringFault && (DIFFERENCES.stringFaultRegisters as readonly string[]).includes(n)) s.maskedComparisons++;
      else diffs.push(`${n} expected ${hex(exp(n))} got ${hex(got)}`);
    });
    for (const [n, sg] of SEGS) {
      if (cpu.segSel[sg] !== exp(n)) diffs.push(`${n} expected ${hex(exp(n))} got ${hex(cpu.segSel[sg])}`);
    }
    // Only IP's 16 bits are recorded: after a HLT at FFFF the i686 holds EIP=10000h, the 286 IP=0.
    if ((cpu.eip & 0xffff) !== exp('ip')) diffs.push(`ip expected ${hex(exp('ip'))} got ${hex(cpu.eip)}`);
    const gotFlags = cpu.getEflags() & 0xffff;
    if (((gotFlags ^ exp('flags')) & flagsMask) !== 0) {
      diffs.push(`flags expected ${hex(exp('flags'))} got ${hex(gotFlags)} (compared bits ${hex(flagsMask)})`);
    } else if (gotFlags !== exp('flags')) s.maskedComparisons++;

    const expected = new Map<number, number>();
    for (const [a, v] of t.initial.ram) expected.set(a, v);
    for (const [a, v] of t.final.ram) expected.set(a, v);
    // Where the exception pushed FLAGS: SS:SP+4 of the frame the handler (a HLT) left. The
    // recorded flag_address is rounded down to even, so it is wrong for odd SP.
    const fa = exc ? (exp('ss') << 4) + ((exp('sp') + 4) & 0xffff) : -1;
    for (const [a, v] of expected) {
      const got = ram[a];
      let m = 0xff;
      if (a === fa) m = flagsMask & 0xff;
      else if (a === fa + 1) m = (flagsMask >> 8) & 0xff;
      if (((got ^ v) & m) !== 0) diffs.push(`[${hex(a, 6)}] expected ${hex(v, 2)} got ${hex(got, 2)}`);
      else if (got !== v) s.maskedComparisons++;
    }
    if (exc?.number === Vec.GP && firstVector === Vec.SS && diffs.length === 0) s.maskedComparisons++;
    if (diffs.length === 0) s.passed++;
    else {
      s.failed++;
      s.failures.push({ file, idx: t.idx, name: t.name, hash: t.hash, diffs });
    }
  }

  /** A test excluded by a DIFFERENCES entry: passes if the i686 did what the entry says. */
  private settle(s: SingleStepSummary, t: SingleStepTest, file: string, why: string, ok: boolean, what: string): void {
    s.maskedTests++;
    s.maskedBy[why] = (s.maskedBy[why] ?? 0) + 1;
    if (ok) s.passed++;
    else {
      s.failed++;
      s.failures.push({ file, idx: t.idx, name: t.name, hash: t.hash, diffs: [what] });
    }
  }

  private poke(a: number, v: number): void {
    this.memory.ram[a] = v;
    this.touched.push(a);
    this.codeWritten(a >>> 12);
  }

  /** RAM is written directly here: tell the translator, as memory.write8 would (codePages contract). */
  private codeWritten(page: number): void {
    if (this.memory.codePages[page] !== 0) {
      this.memory.codePages[page] = 0;
      this.memory.onCodeWrite?.(page);
    }
  }

  /** Zeroes what the previous test loaded or wrote. */
  private clearRam(): void {
    const ram = this.memory.ram;
    for (const a of this.touched) {
      ram[a] = 0;
      this.codeWritten(a >>> 12);
    }
    this.touched.length = 0;
    const dirty = this.memory.dirtyPages;
    for (let p = 0; p < dirty.length; p++) {
      if (dirty[p] !== 0) {
        ram.fill(0, p << 12, (p + 1) << 12);
        dirty[p] = 0;
        this.codeWritten(p);
      }
    }
  }
}

/** The 16-bit effective address of the ModRM operand after the opcode at `at` (-1 for a register). */
function ea16(bytes: number[], at: number, r: SingleStepRegs): number {
  const m = bytes[at + 1];
  const mod = m >> 6;
  const rm = m & 7;
  if (mod === 3) return -1;
  const bases = [r.bx + r.si, r.bx + r.di, r.bp + r.si, r.bp + r.di, r.si, r.di, r.bp, r.bx];
  let ea = bases[rm];
  if (mod === 0 && rm === 6) ea = bytes[at + 2] | (bytes[at + 3] << 8);
  else if (mod === 1) ea += (bytes[at + 2] << 24) >> 24;
  else if (mod === 2) ea += bytes[at + 2] | (bytes[at + 3] << 8);
  return ea & 0xffff;
}

const STRING_OPS = [0x6c, 0x6d, 0x6e, 0x6f, 0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf];

function prefixCount(bytes: number[], b: number): boolean {
  for (const x of bytes) {
    if (x === b) return true;
    if (![0x26, 0x2e, 0x36, 0x3e, 0xf0, 0xf2, 0xf3, 0x64, 0x65, 0x66, 0x67].includes(x)) return false;
  }
  return false;
}

function firstOpcode(bytes: number[]): { code: number; at: number } {
  let i = 0;
  while ([0x26, 0x2e, 0x36, 0x3e, 0xf0, 0xf2, 0xf3, 0x64, 0x65, 0x66, 0x67].includes(bytes[i])) i++;
  if (bytes[i] === 0x0f) return { code: 0x100 | bytes[i + 1], at: i + 1 };
  return { code: bytes[i], at: i };
}

/** Whether LOCK is legal on this instruction (mirrors SDM Vol. 2A LOCK; memory destination only). */
function lockAllowed(bytes: number[], op: { code: number; at: number }): boolean {
  const m = bytes[op.at + 1];
  const reg = (m >> 3) & 7;
  const mem = m >> 6 !== 3;
  const c = op.code;
  if (c < 0x40 && (c & 7) < 2 && (c & 0x38) !== 0x38) return mem;
  if (c >= 0x80 && c <= 0x83) return mem && reg !== 7;
  if (c === 0x86 || c === 0x87) return mem;
  if (c === 0xf6 || c === 0xf7) return mem && (reg === 2 || reg === 3);
  if (c === 0xfe || c === 0xff) return mem && reg < 2;
  return false;
}

export function emptySummary(): SingleStepSummary {
  return { passed: 0, failed: 0, maskedComparisons: 0, maskedTests: 0, maskedBy: {}, failures: [] };
}

/** One line per failure, for the CLI. */
export function formatFailure(f: TestFailure): string {
  return `FAIL ${f.file} #${f.idx} ${f.name} ${f.hash}: ${f.diffs.join('; ')}`;
}

