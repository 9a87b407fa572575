// The x87 floating-point unit of a P6-class CPU (Intel SDM vol.1 chapter 8, vol.2 F* pages).
//
// Interface for the CPU (all the CPU needs to know):
//   const fpu = new X87();
//   // before each ESC (D8–DF) instruction, for FIP/FCS/FDP/FDS (Intel SDM vol.1 §8.1.8):
//   fpu.instrCs = cs; fpu.instrIp = eipOfTheInstruction; fpu.dataSel = segSel; fpu.dataOff = ea;
//   if (fpu.readsEflags(opcode, modrm)) fpu.eflags = eflags;   // FCMOVcc reads CF/ZF/PF
//   if (fpu.isWaiting(opcode, modrm) && fpu.pendingException()) → #MF (CR0.NE=1) or FERR/IRQ13
//   const r = fpu.execute(opcode, modrm, linearAddress, mem, is32BitOperand, realOrV86Mode);
//   r === X87_UD → raise #UD;  r === X87_AX → AX = fpu.ax (FNSTSW AX);
//   r === X87_EFLAGS (FCOMI/FUCOMI[P]) → take ZF/PF/CF from fpu.eflags, clear OF/SF/AF (0x8D5).
//   FWAIT (9B): `if (fpu.pendingException()) …` — the unit itself has nothing to do.
//   CR0.EM/TS (#NM), CR0.NE/IGNNE and FERR# stay in the CPU; the unit only keeps ES pending.
// `mem` accessors may throw the CPU's fault sentinel. Loads happen before any state change;
// stores happen before the stack is popped or flags are written, so a faulting store leaves the
// unit as it was and the instruction can be restarted.
//
// Registers live in typed arrays (Uint16 sign+exponent, BigUint64 significand, per physical
// register); tags are kept as "empty" bits and the full 2-bit tags are derived from contents
// when stored (FSTENV/FSAVE), as on P6 (Intel SDM vol.1 §8.1.7).
import { f80Add, f80Div, f80Mul, f80Sqrt } from './softfloat-arith.js';
import { f80Compare, f80RoundToInt, REL_EQUAL, REL_LESS, REL_UNORDERED } from './softfloat-rem.js';
import {
  F80,
  FLAG_DENORMAL,
  FLAG_DIVBYZERO,
  FLAG_INEXACT,
  FLAG_INVALID,
  FLAG_OVERFLOW,
  FLAG_UNDERFLOW,
  FloatEnv,
  C_UNSUPPORTED,
  classify,
  defaultNaN,
  isNaNClass,
} from './softfloat-types.js';
import { execD9Special } from './x87-special.js';
import { execMemory } from './x87-mem.js';
import { widenNumberFields } from '../wide-fields.js';
import { EF_AF, EF_CF, EF_OF, EF_PF, EF_SF, EF_ZF, SW_B, SW_C1, SW_C2, SW_C3, SW_C0, SW_CC, SW_DE, SW_ES, SW_IE, SW_OE, SW_PE, SW_SF, SW_UE, SW_ZE, TAG_EMPTY, TAG_SPECIAL, TAG_VALID, TAG_ZERO, X87Memory, X87_AX, X87_EFLAGS, X87_OK, X87_UD } from './x87-defs.js';

export * from './x87-defs.js';

const X87_STATE_VERSION = 1;

export interface X87State {
  version: number;
  cw: number;
  sw: number;
  empty: number[];
  se: number[];
  sig: string[];
  fip: number;
  fcs: number;
  fdp: number;
  fds: number;
  fop: number;
}

export class X87 {
  readonly se = new Uint16Array(8);
  readonly sig = new BigUint64Array(8);
  /** 1 = physical register empty. */
  readonly empty = new Uint8Array(8).fill(1);
  cw = 0x037f;
  /** Status word without TOP (bits 13:11), which is kept in `top`. */
  sw = 0;
  top = 0;
  fip = 0;
  fcs = 0;
  fdp = 0;
  fds = 0;
  fop = 0;
  // Per-instruction inputs from the CPU and outputs to it.
  instrCs = 0;
  instrIp = 0;
  dataSel = 0;
  dataOff = 0;
  eflags = 0;
  ax = 0;
  readonly env = new FloatEnv();

  constructor() {
    widenNumberFields<X87>(this, ['fip', 'fdp', 'instrIp', 'dataOff']); // 32-bit offsets (kernel addresses)
  }

  reset(): void {
    this.fninit();
  }

  /** Plain, JSON-safe state for machine snapshots (significands as hex strings). */
  saveState(): X87State {
    return {
      version: X87_STATE_VERSION,
      cw: this.cw,
      sw: this.statusWord,
      empty: Array.from(this.empty),
      se: Array.from(this.se),
      sig: Array.from(this.sig, (v) => v.toString(16)),
      fip: this.fip,
      fcs: this.fcs,
      fdp: this.fdp,
      fds: this.fds,
      fop: this.fop,
    };
  }

  loadState(s: X87State): void {
    if (s.version !== X87_STATE_VERSION) throw new Error(`x87 state version ${s.version} is not supported`);
    this.cw = s.cw;
    this.statusWord = s.sw;
    for (let i = 0; i < 8; i++) {
      this.empty[i] = s.empty[i] ? 1 : 0;
      this.se[i] = s.se[i];
      this.sig[i] = BigInt('0x' + s.sig[i]);
    }
    this.fip = s.fip;
    this.fcs = s.fcs;
    this.fdp = s.fdp;
    this.fds = s.fds;
    this.fop = s.fop;
  }

  fninit(): void {
    this.cw = 0x037f;
    this.sw = 0;
    this.top = 0;
    this.empty.fill(1);
    this.fip = this.fcs = this.fdp = this.fds = this.fop = 0;
  }

  get statusWord(): number {
    const s = (this.sw & ~0x3800 & ~SW_B) | (this.top << 11);
    return s & SW_ES ? s | SW_B : s; // B mirrors ES on the 387 and later
  }

  set statusWord(v: number) {
    this.top = (v >> 11) & 7;
    this.sw = v & ~0x3800 & ~SW_B;
  }

  /** An unmasked exception is pending (ES): #MF/FERR at the next waiting FPU instruction. */
  pendingException(): boolean {
    return (this.sw & SW_ES) !== 0;
  }

  /** Whether the instruction checks for pending exceptions first (all but the FN* forms). */
  isWaiting(opcode: number, modrm: number): boolean {
    const reg = (modrm >> 3) & 7;
    if (modrm < 0xc0) {
      if (opcode === 0xd9 && (reg === 6 || reg === 7)) return false; // FNSTENV, FNSTCW
      if (opcode === 0xdd && (reg === 6 || reg === 7)) return false;
      return true;
    }
    if (opcode === 0xdb && (modrm === 0xe2 || modrm === 0xe3 || modrm === 0xe0 || modrm === 0xe1 || modrm === 0xe4)) {
      return false;
    }
    if (opcode === 0xdf && modrm === 0xe0) return false;
    return true;
  }

  /** FCMOVcc reads EFLAGS: the CPU must materialise CF/ZF/PF into `eflags` before execute(). */
  readsEflags(opcode: number, modrm: number): boolean {
    return (opcode === 0xda || opcode === 0xdb) && modrm >= 0xc0 && modrm < 0xe0;
  }

  /** Full 2-bit tag word derived from register contents (Intel SDM vol.1 §8.1.7). */
  tagWord(): number {
    let tw = 0;
    for (let i = 0; i < 8; i++) tw |= this.tagOf(i) << (2 * i);
    return tw;
  }

  tagOf(phys: number): number {
    if (this.empty[phys]) return TAG_EMPTY;
    const e = this.se[phys] & 0x7fff;
    const s = this.sig[phys];
    if (e === 0x7fff) return TAG_SPECIAL;
    if (e === 0) return s === 0n ? TAG_ZERO : TAG_SPECIAL;
    return (s & 0x8000000000000000n) === 0n ? TAG_SPECIAL : TAG_VALID;
  }

  /** Load the tag word: only "empty" matters; other tags follow the contents. */
  setTagWord(tw: number): void {
    for (let i = 0; i < 8; i++) this.empty[i] = ((tw >> (2 * i)) & 3) === TAG_EMPTY ? 1 : 0;
  }

  phys(i: number): number {
    return (this.top + i) & 7;
  }
  isEmpty(i: number): boolean {
    return this.empty[(this.top + i) & 7] === 1;
  }
  st(i: number): F80 {
    const p = (this.top + i) & 7;
    return { se: this.se[p], sig: this.sig[p] };
  }
  setSt(i: number, v: F80): void {
    const p = (this.top + i) & 7;
    this.se[p] = v.se;
    this.sig[p] = v.sig;
    this.empty[p] = 0;
  }
  push(v: F80): void {
    this.top = (this.top - 1) & 7;
    this.setSt(0, v);
  }
  pop(): void {
    this.empty[this.top] = 1;
    this.top = (this.top + 1) & 7;
  }

  /** Start a computation: rounding/precision control and masks into the environment. */
  beginOp(): FloatEnv {
    const env = this.env;
    env.flags = 0;
    env.roundedUp = false;
    env.rc = (this.cw >> 10) & 3;
    env.setPrecisionControl((this.cw >> 8) & 3);
    env.underflowUnmasked = (this.cw & SW_UE) === 0;
    env.overflowUnmasked = (this.cw & SW_OE) === 0;
    return env;
  }

  /** softfloat flags → status word exception bits. */
  private static swFlags(f: number): number {
    let s = 0;
    if (f & FLAG_INVALID) s |= SW_IE;
    if (f & FLAG_DENORMAL) s |= SW_DE;
    if (f & FLAG_DIVBYZERO) s |= SW_ZE;
    if (f & FLAG_OVERFLOW) s |= SW_OE;
    if (f & FLAG_UNDERFLOW) s |= SW_UE;
    if (f & FLAG_INEXACT) s |= SW_PE;
    return s;
  }

  /**
   * Record the exceptions of a computation. Returns false when an unmasked invalid,
   * divide-by-zero or denormal exception suppresses the result (Intel SDM vol.1 §8.5: the
   * destination and stack stay unchanged); `store` adds unmasked overflow/underflow, which
   * also suppress a store to memory (§8.5.3/§8.5.4).
   */
  commit(store = false, load = false): boolean {
    const f = X87.swFlags(this.env.flags);
    const unmasked = f & ~this.cw & 0x3f;
    for (const bit of [SW_IE, SW_ZE, SW_DE]) {
      // A load (FLD m32/m64) of a denormal completes even when #D is unmasked (silicon).
      if (unmasked & bit && !(load && bit === SW_DE)) {
        this.sw |= bit | SW_ES;
        return false;
      }
    }
    if (store && unmasked & (SW_OE | SW_UE)) {
      // Unmasked overflow/underflow on a store to memory: nothing is stored and only that
      // exception is reported (measured on silicon; Intel SDM vol.1 §4.9.2).
      this.sw |= (unmasked & (SW_OE | SW_UE)) | SW_ES;
      return false;
    }
    this.sw = (this.sw & ~SW_C1) | f;
    if (f & SW_PE && this.env.roundedUp) this.sw |= SW_C1;
    if (unmasked) this.sw |= SW_ES;
    return true;
  }

  /** Raise exception bits directly (stack faults, invalid operands). */
  raise(bits: number): void {
    this.sw |= bits;
    if (bits & ~this.cw & 0x3f) this.sw |= SW_ES;
  }

  private get ieMasked(): boolean {
    return (this.cw & SW_IE) !== 0;
  }

  /** Stack underflow (Intel SDM vol.1 §8.5.1.1): IE+SF, C1=0; true when masked. */
  underflow(): boolean {
    this.sw &= ~SW_C1;
    this.raise(SW_IE | SW_SF);
    return this.ieMasked;
  }

  /** Stack overflow: IE+SF, C1=1; masked → the indefinite is pushed. */
  overflowPush(): void {
    this.sw |= SW_C1;
    this.raise(SW_IE | SW_SF);
    if (this.ieMasked) this.push(defaultNaN());
  }

  setCC(c3: number, c2: number, c1: number, c0: number): void {
    this.sw = (this.sw & ~SW_CC) | (c3 ? SW_C3 : 0) | (c2 ? SW_C2 : 0) | (c1 ? SW_C1 : 0) | (c0 ? SW_C0 : 0);
  }

  // ---- arithmetic ----
  /**
   * dest ← dest op src for op = reg field (0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr), with
   * the operands given by stack index (src may be an already loaded memory value).
   */
  arith(op: number, dest: number, srcIdx: number, srcVal: F80 | null, popAfter: boolean): void {
    if (this.isEmpty(dest) || (srcVal === null && this.isEmpty(srcIdx))) {
      if (this.underflow()) {
        this.setSt(dest, defaultNaN());
        if (popAfter) this.pop();
      }
      return;
    }
    const a = this.st(dest);
    const b = srcVal ?? this.st(srcIdx);
    const env = this.env;
    let r: F80;
    switch (op) {
      case 0:
        r = f80Add(env, a, b);
        break;
      case 1:
        r = f80Mul(env, a, b);
        break;
      case 4:
        r = f80Add(env, a, b, 1);
        break;
      case 5:
        r = f80Add(env, b, a, 1);
        break;
      case 6:
        r = f80Div(env, a, b);
        break;
      default:
        r = f80Div(env, b, a);
        break;
    }
    if (srcVal) this.dropDenormalBesideNaN(a, b);
    if (!this.commit()) return;
    this.setSt(dest, r);
    if (popAfter) this.pop();
  }

  /** FCOM/FUCOM/FICOM/FCOMI family: compare ST(0) with src; pops 0–2; eflags or C3/C2/C0. */
  compare(srcIdx: number, srcVal: F80 | null, signalling: boolean, pops: number, toEflags: boolean): void {
    let rel: number;
    // Measured on silicon: an unmasked invalid still reports "unordered", but nothing is popped.
    let popOk = true;
    if (this.isEmpty(0) || (srcVal === null && this.isEmpty(srcIdx))) {
      popOk = this.underflow();
      rel = REL_UNORDERED;
    } else {
      const a = this.st(0);
      const b = srcVal ?? this.st(srcIdx);
      rel = f80Compare(this.env, a, b, signalling);
      if (srcVal) this.dropDenormalBesideNaN(a, b);
      popOk = this.commit(); // unmasked #IA/#D: the codes are still set (silicon), no pop
    }
    const lt = rel === REL_LESS || rel === REL_UNORDERED ? 1 : 0;
    const eq = rel === REL_EQUAL || rel === REL_UNORDERED ? 1 : 0;
    const un = rel === REL_UNORDERED ? 1 : 0;
    if (toEflags) {
      let ef = this.eflags & ~(EF_CF | EF_PF | EF_ZF | EF_OF | EF_SF | EF_AF);
      if (lt) ef |= EF_CF;
      if (eq) ef |= EF_ZF;
      if (un) ef |= EF_PF;
      this.eflags = ef;
      this.sw &= ~SW_C1;
    } else {
      this.setCC(eq, un, 0, lt);
    }
    if (popOk) for (let i = 0; i < pops; i++) this.pop();
  }

  /**
   * A denormal memory operand (flagged when it was converted) does not raise #D when the other
   * operand is a NaN — measured on silicon, as NaN handling precedes the denormal check.
   */
  private dropDenormalBesideNaN(a: F80, b: F80): void {
    if ((this.env.flags & FLAG_DENORMAL) === 0) return;
    const ca = classify(a.se, a.sig);
    const cb = classify(b.se, b.sig);
    if (isNaNClass(ca) || isNaNClass(cb) || ca === C_UNSUPPORTED || cb === C_UNSUPPORTED) {
      this.env.flags &= ~FLAG_DENORMAL;
    }
  }

  /** Push a value loaded from memory or the stack (FLD/FILD/FBLD/constants). */
  pushValue(v: F80): void {
    if (!this.isEmpty(7)) {
      this.overflowPush();
      return;
    }
    if (!this.commit(false, true)) return;
    this.push(v);
  }

  updatePointers(opcode: number, modrm: number, memOp: boolean): void {
    this.fcs = this.instrCs;
    this.fip = this.instrIp;
    this.fop = ((opcode & 7) << 8) | modrm;
    if (memOp) {
      this.fds = this.dataSel;
      this.fdp = this.dataOff;
    }
  }

  /** Execute one ESC instruction (opcode D8–DF with its ModRM byte). */
  execute(opcode: number, modrm: number, addr: number, mem: X87Memory, is32: boolean, realMode: boolean): number {
    this.beginOp();
    const reg = (modrm >> 3) & 7;
    if (modrm >= 0xc0) return this.execRegister(opcode, modrm, reg, modrm & 7);
    return execMemory(this, opcode, modrm, reg, addr, mem, is32, realMode);
  }

  fldcw(v: number): void {
    this.cw = (v & 0x1f7f) | 0x40; // bit 6 reads as 1; bits 13–15 reserved (Intel SDM vol.1 §8.1.5)
    if (this.sw & ~this.cw & 0x3f) this.sw |= SW_ES;
    else this.sw &= ~SW_ES;
  }

  private execRegister(opcode: number, modrm: number, reg: number, i: number): number {
    switch (opcode) {
      case 0xd8:
        this.updatePointers(opcode, modrm, false);
        if (reg === 2 || reg === 3) this.compare(i, null, true, reg - 2, false);
        else this.arith(reg, 0, i, null, false);
        return X87_OK;
      case 0xdc:
        this.updatePointers(opcode, modrm, false);
        if (reg === 2 || reg === 3) this.compare(i, null, true, reg - 2, false); // FCOM2/FCOMP3 aliases
        else this.arith(reg >= 4 ? reg ^ 1 : reg, i, 0, null, false);
        return X87_OK;
      case 0xde:
        this.updatePointers(opcode, modrm, false);
        if (reg === 3) {
          if (i !== 1) return X87_UD;
          this.compare(1, null, true, 2, false); // FCOMPP
        } else if (reg === 2) this.compare(i, null, true, 1, false); // FCOMP5 alias
        else this.arith(reg >= 4 ? reg ^ 1 : reg, i, 0, null, true);
        return X87_OK;
      case 0xd9:
        return this.execD9(modrm, reg, i);
      case 0xda:
        if (modrm === 0xe9) {
          this.updatePointers(opcode, modrm, false);
          this.compare(1, null, false, 2, false); // FUCOMPP
          return X87_OK;
        }
        if (reg > 3) return X87_UD;
        this.updatePointers(opcode, modrm, false);
        this.fcmov(reg, false, i);
        return X87_OK;
      case 0xdb:
        if (reg <= 3) {
          this.updatePointers(opcode, modrm, false);
          this.fcmov(reg, true, i);
          return X87_OK;
        }
        if (reg === 4) {
          if (modrm === 0xe2) this.sw &= ~(0xff | SW_B); // FNCLEX
          else if (modrm === 0xe3) this.fninit();
          else if (modrm > 0xe4) return X87_UD; // E0 FENI, E1 FDISI, E4 FSETPM: no-ops since the 387
          return X87_OK;
        }
        if (reg === 5 || reg === 6) {
          this.updatePointers(opcode, modrm, false);
          this.compare(i, null, reg === 6, 0, true); // FUCOMI / FCOMI
          return this.eflagsResult();
        }
        return X87_UD;
      case 0xdd:
        this.updatePointers(opcode, modrm, false);
        switch (reg) {
          case 0: // FFREE (measured on silicon: C1 cleared)
            this.empty[this.phys(i)] = 1;
            this.sw &= ~SW_C1;
            return X87_OK;
          case 1:
            this.fxch(i); // FXCH4 alias
            return X87_OK;
          case 2:
          case 3:
            this.fstReg(i, reg === 3);
            return X87_OK;
          case 4:
          case 5:
            this.compare(i, null, false, reg - 4, false); // FUCOM / FUCOMP
            return X87_OK;
        }
        return X87_UD;
      default: // 0xdf
        if (modrm === 0xe0) {
          this.ax = this.statusWord; // FNSTSW AX
          return X87_AX;
        }
        switch (reg) {
          case 0: // FFREEP (undocumented on P6)
            this.updatePointers(opcode, modrm, false);
            this.empty[this.phys(i)] = 1;
            this.sw &= ~SW_C1;
            this.pop();
            return X87_OK;
          case 1:
            this.updatePointers(opcode, modrm, false);
            this.fxch(i);
            return X87_OK;
          case 2:
          case 3:
            this.updatePointers(opcode, modrm, false);
            this.fstReg(i, true); // FSTP8/FSTP9 aliases
            return X87_OK;
          case 5:
          case 6:
            this.updatePointers(opcode, modrm, false);
            this.compare(i, null, reg === 6, 1, true); // FUCOMIP / FCOMIP
            return this.eflagsResult();
        }
        return X87_UD;
    }
  }

  private eflagsResult(): number {
    return X87_EFLAGS;
  }

  private execD9(modrm: number, reg: number, i: number): number {
    switch (reg) {
      case 0: // FLD ST(i)
        this.updatePointers(0xd9, modrm, false);
        if (this.isEmpty(i)) {
          if (!this.isEmpty(7)) this.overflowPush();
          else if (this.underflow()) this.push(defaultNaN());
          return X87_OK;
        }
        this.pushValue(this.st(i));
        return X87_OK;
      case 1:
        this.updatePointers(0xd9, modrm, false);
        this.fxch(i);
        return X87_OK;
      case 2:
        if (modrm !== 0xd0) return X87_UD;
        this.updatePointers(0xd9, modrm, false); // FNOP
        return X87_OK;
      case 3:
        this.updatePointers(0xd9, modrm, false);
        if (this.isEmpty(0)) {
          // FSTP1 (undocumented): measured on silicon, an empty ST(0) is copied as empty and
          // popped without a stack fault.
          this.empty[this.phys(i)] = 1;
          this.pop();
          return X87_OK;
        }
        this.fstReg(i, true);
        return X87_OK;
    }
    if (!execD9Special(this, modrm)) return X87_UD;
    this.updatePointers(0xd9, modrm, false);
    return X87_OK;
  }

  private fxch(i: number): void {
    if (this.isEmpty(0) || this.isEmpty(i)) {
      if (!this.underflow()) return;
      if (this.isEmpty(0)) this.setSt(0, defaultNaN());
      if (this.isEmpty(i)) this.setSt(i, defaultNaN());
    } else this.sw &= ~SW_C1;
    const a = this.st(0);
    this.setSt(0, this.st(i));
    this.setSt(i, a);
  }

  /** FST/FSTP ST(i): a plain copy, no exceptions except stack underflow. */
  private fstReg(i: number, popAfter: boolean): void {
    if (this.isEmpty(0)) {
      if (!this.underflow()) return;
      this.setSt(i, defaultNaN());
    } else {
      this.sw &= ~SW_C1;
      this.setSt(i, this.st(0));
    }
    if (popAfter) this.pop();
  }

  /** FCMOVcc (P6): cc 0 B, 1 E, 2 BE, 3 U; `negate` for the DB forms. */
  private fcmov(cc: number, negate: boolean, i: number): void {
    const ef = this.eflags;
    let cond: boolean;
    if (cc === 0) cond = (ef & EF_CF) !== 0;
    else if (cc === 1) cond = (ef & EF_ZF) !== 0;
    else if (cc === 2) cond = (ef & (EF_CF | EF_ZF)) !== 0;
    else cond = (ef & EF_PF) !== 0;
    if (negate) cond = !cond;
    if (this.isEmpty(0) || this.isEmpty(i)) {
      if (this.underflow()) this.setSt(0, defaultNaN());
      return;
    }
    if (cond) this.setSt(0, this.st(i)); // C1 unchanged (measured on silicon)
  }

  /** FRNDINT helper shared with x87-special. */
  roundToInt(v: F80): F80 {
    return f80RoundToInt(this.env, v, true);
  }

  sqrt(v: F80): F80 {
    return f80Sqrt(this.env, v);
  }

  mul(a: F80, b: F80): F80 {
    return f80Mul(this.env, a, b);
  }
}
