// Runs translations (blocks and hot regions) as WebAssembly (emit-wasm.ts): compiles a
// translation's module against the guest's WebAssembly.Memory, puts its function in a table,
// and enters it (WasmTier.enter) after checking the state the code was specialised to, moving
// the lazy-flag fields in and out through the exchange words of the CPU area; it reports a
// bail-out to the run loop. The translation's JavaScript function stays behind it for every
// other state.
import type { Cpu } from '../cpu.js';
import { CPU_AREA_EXCHANGE, CPU_AREA_REGS } from '../cpu-area.js';
import { Seg } from '../state.js';
import { flatSegments, hasFlatLimits } from './emit.js';
import { translateWasm, ExchangeWord, Need, TscWord, TSC_WORDS, WasmExit, type WasmBlock, type WasmLayout } from './emit-wasm.js';
import { dispatchModule } from './wasm-asm.js';
import { tscLine } from '../tsc.js';
import type { Block, BlockFn, JitStats } from './jit.js';

/**
 * Code that has bailed out BAIL_MIN times and ran fewer than BAIL_RUN instructions per
 * bail-out goes back to JavaScript (a store it makes always hits a page holding code, say).
 * Occasional bail-outs are cheap: a TLB miss after each context switch costs one exit.
 */
const BAIL_MIN = 256;
const BAIL_RUN = 64;
const FLAT_MAX = 0xffffffff;
/** 2^52: with ticks below that too, the counter stays an exact integer within ±2^53. */
const TSC_OFFSET_MAX = 2 ** 52;

/**
 * A translation's WebAssembly code: its slot in the tier's function table and the state it was
 * made for (the entry checks it), with its JavaScript translation for every other state.
 */
export class WasmCode {
  /** Bail-outs (not counting INTERPRET stops) and the instructions retired by the runs that bailed. */
  bails = 0;
  retired = 0;
  constructor(
    readonly slot: number,
    readonly paging: boolean,
    readonly user: boolean,
    /** Segments whose flatness, and whose 4 GiB limits (bases passed in), the code relies on. */
    readonly flatUsed: number,
    readonly based: number,
    /** emit-wasm.ts Need bits. */
    readonly needs: number,
    readonly js: BlockFn,
  ) {}
}

/** Slots the function table starts with; it doubles when full. */
const TABLE_START = 1024;

export class WasmTier {
  private readonly imports: { e: { m: WebAssembly.Memory } };
  private readonly layout: WasmLayout;
  private readonly exchange: Int32Array;
  /** The TscWord values, after the int32 exchange words. */
  private readonly tsc: Float64Array;
  /**
   * Every translation's function sits in one table and is entered through one exported
   * function (dispatchModule), so the call from JavaScript always has the same target: V8
   * inlines its entry stub, where a call site that saw thousands of modules' functions went
   * through the generic one (~10 % of kernel init, with an entry closure per module that
   * V8 had to warm up and optimize one by one).
   */
  private readonly table: WebAssembly.Table;
  private readonly dispatch: (slot: number, room: number) => number;
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;

  private constructor(private readonly cpu: Cpu, area: Uint8Array, memory: WebAssembly.Memory, private readonly stats: JitStats) {
    this.imports = { e: { m: memory } };
    this.layout = {
      regs: area.byteOffset + CPU_AREA_REGS,
      exchange: area.byteOffset + CPU_AREA_EXCHANGE,
      tlbFast: cpu.tlb.fast.byteOffset,
      pageKind: cpu.pageKind.byteOffset,
      codePages: cpu.codePages.byteOffset,
      dirtyPages: cpu.dirtyPages.byteOffset,
    };
    this.exchange = new Int32Array(area.buffer, this.layout.exchange, 16);
    this.tsc = new Float64Array(area.buffer, this.layout.exchange + TSC_WORDS, 4);
    this.table = new WebAssembly.Table({ element: 'anyfunc', initial: TABLE_START });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(dispatchModule()), { e: { t: this.table } });
    this.dispatch = instance.exports.d as (slot: number, room: number) => number;
  }

  /** The tier for `cpu`, or null when its state is not in a WebAssembly memory (or the host compiles none). */
  static create(cpu: Cpu, stats: JitStats): WasmTier | null {
    const area = cpu.cpuArea;
    const memory = cpu.mem.wasmMemory;
    if (area === null || memory === null) return null;
    try {
      return new WasmTier(cpu, area, memory, stats);
    } catch {
      return null;
    }
  }

  /** The CPU is in a state WebAssembly code can be made for (32-bit code, flatMachine). */
  accepts(c: Cpu): boolean {
    return c.codeBig && flatMachine(c);
  }

  /**
   * WebAssembly code for the block or region `blocks` (translated for the CPU's present state)
   * in front of `js`, their JavaScript translation; null when the code or the state has no
   * WebAssembly form.
   */
  install(blocks: WasmBlock[], js: BlockFn): WasmCode | null {
    const c = this.cpu;
    if (!this.accepts(c)) return null;
    const flat = flatSegments(c);
    const spec = { paging: c.paging, user: c.user, flat, based: limitsFlat(c) & ~flat, tscLine: tscLine(c, this.tsc, 0), cpl0: c.cpl === 0 };
    const code = translateWasm(blocks, spec, this.layout);
    if (code === null) return null;
    let f: unknown;
    try {
      f = new WebAssembly.Instance(new WebAssembly.Module(code.bytes), this.imports).exports.f;
    } catch {
      return null; // e.g. a host without WebAssembly compilation: the JavaScript runs
    }
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.nextSlot++;
    if (slot >= this.table.length) this.table.grow(this.table.length);
    this.table.set(slot, f);
    this.stats.wasm++;
    return new WasmCode(slot, spec.paging, spec.user, code.flatUsed, code.basedUsed, code.needs, js);
  }

  /** Frees w's slot (its block died, or has other code now). */
  release(w: WasmCode): void {
    this.table.set(w.slot, null);
    this.freeSlots.push(w.slot);
  }

  /** Frees every slot (the code cache was dropped). */
  releaseAll(): void {
    for (let i = 0; i < this.nextSlot; i++) this.table.set(i, null);
    this.freeSlots.length = 0;
    this.nextSlot = 0;
  }

  /**
   * Runs w (b's code) as a jit.ts block function does: 0 when the next block may follow, 2
   * (BAIL) when the instruction at EIP is for the interpreter. Outside the state w was made
   * for, the JavaScript translation runs.
   */
  enter(c: Cpu, b: Block, w: WasmCode): number {
    const x = this.exchange;
    if (c.paging !== w.paging || c.user !== w.user || !flatMachine(c) || !isFlat(c, w.flatUsed) ||
      (w.based !== 0 && !setBases(c, w.based, x)) || ((w.needs & Need.CPL0) !== 0 && c.cpl !== 0)) return w.js(c);
    if ((w.needs & Need.TSC) !== 0) {
      // A TSC written far out (WRMSR) could leave the range the module converts exactly.
      const tsc = this.tsc;
      if (!(Math.abs(c.tscOffset) < TSC_OFFSET_MAX) || !tscLine(c, tsc, TscWord.BASE)) return w.js(c);
      tsc[TscWord.COUNT] = c.instructions;
      tsc[TscWord.OFFSET] = c.tscOffset;
    }
    x[ExchangeWord.F_OP] = c.fOp;
    x[ExchangeWord.F_DST] = c.fDst;
    x[ExchangeWord.F_SRC] = c.fSrc;
    x[ExchangeWord.F_RES] = c.fRes;
    x[ExchangeWord.F_BITS] = c.fBits;
    x[ExchangeWord.F_LAZY] = c.fLazy;
    x[ExchangeWord.EFLAGS] = c.eflags;
    const room = c.stopAt - c.instructions;
    const retired = this.dispatch(w.slot, room > 0x7fffffff ? 0x7fffffff : room);
    c.fOp = x[ExchangeWord.F_OP];
    c.fDst = x[ExchangeWord.F_DST];
    c.fSrc = x[ExchangeWord.F_SRC];
    c.fRes = x[ExchangeWord.F_RES];
    c.fBits = x[ExchangeWord.F_BITS];
    c.fLazy = x[ExchangeWord.F_LAZY];
    c.eflags = x[ExchangeWord.EFLAGS];
    c.eip = x[ExchangeWord.EIP] >>> 0;
    c.instructions += retired;
    const kind = x[ExchangeWord.KIND];
    if (kind === WasmExit.NEXT) return 0;
    this.stats.wasmBails++;
    if (kind === WasmExit.INTERPRET) return WasmExit.BAIL; // always here: JavaScript would call the handler the same way
    w.retired += retired;
    if (++w.bails >= BAIL_MIN && w.retired < w.bails * BAIL_RUN && b.module === w) {
      b.module = null;
      this.release(w);
    }
    return WasmExit.BAIL;
  }
}

/** The segments (ES..GS) with 4 GiB read and write limits, any base. */
function limitsFlat(c: Cpu): number {
  let m = 0;
  for (let s = 0; s < 6; s++) if (hasFlatLimits(c, s)) m |= 1 << s;
  return m;
}

/** Writes the bases of the segments in `segs` into the exchange words; false if one lost its 4 GiB limits. */
function setBases(c: Cpu, segs: number, x: Int32Array): boolean {
  for (let s = 0; segs !== 0; s++, segs >>>= 1) {
    if ((segs & 1) === 0) continue;
    if (!hasFlatLimits(c, s)) return false;
    x[ExchangeWord.SEG_BASE + s] = c.segBase[s];
  }
  return true;
}

/** Every segment in the bit set `segs` has base 0 and 4 GiB read and write limits. */
function isFlat(c: Cpu, segs: number): boolean {
  for (let s = 0; segs !== 0; s++, segs >>>= 1) {
    if ((segs & 1) !== 0 && (c.segBase[s] !== 0 || !hasFlatLimits(c, s))) return false;
  }
  return true;
}

/** What every module assumes: a 32-bit stack, A20 on and a 4 GiB CS limit (no jump needs a limit check). */
function flatMachine(c: Cpu): boolean {
  return c.stackMask === FLAT_MAX && c.a20Mask === FLAT_MAX && c.segLimit[Seg.CS] === FLAT_MAX;
}
