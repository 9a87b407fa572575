// Runs translations (blocks and hot regions) as WebAssembly (emit-wasm.ts): compiles a
// translation's module against the guest's WebAssembly.Memory and puts a JavaScript entry in
// front of it that checks the state the code was specialised to, moves the lazy-flag fields in
// and out through the exchange words of the CPU area, and reports a bail-out to the run loop.
// The translation's JavaScript function stays behind it for every other state.
import type { Cpu } from '../cpu.js';
import { CPU_AREA_EXCHANGE, CPU_AREA_REGS } from '../cpu-area.js';
import { Seg } from '../state.js';
import { flatSegments, hasFlatLimits } from './emit.js';
import { translateWasm, ExchangeWord, TscWord, TSC_WORDS, WasmExit, type WasmBlock, type WasmLayout } from './emit-wasm.js';
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

export class WasmTier {
  private readonly imports: { e: { m: WebAssembly.Memory } };
  private readonly layout: WasmLayout;
  private readonly exchange: Int32Array;
  /** The TscWord values, after the int32 exchange words. */
  private readonly tsc: Float64Array;

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
  }

  /** The tier for `cpu`, or null when its state is not in a WebAssembly memory. */
  static create(cpu: Cpu, stats: JitStats): WasmTier | null {
    const area = cpu.cpuArea;
    const memory = cpu.mem.wasmMemory;
    if (area === null || memory === null) return null;
    return new WasmTier(cpu, area, memory, stats);
  }

  /** The CPU is in a state WebAssembly code can be made for (32-bit code, flatMachine). */
  accepts(c: Cpu): boolean {
    return c.codeBig && flatMachine(c);
  }

  /**
   * A WebAssembly version of the block or region `blocks` (translated for the CPU's present
   * state) in front of `js`, their JavaScript translation, to become b.fn; null when the code
   * or the state has no WebAssembly form.
   */
  install(b: Block, blocks: WasmBlock[], js: BlockFn): BlockFn | null {
    const c = this.cpu;
    if (!this.accepts(c)) return null;
    const flat = flatSegments(c);
    const spec = { paging: c.paging, user: c.user, flat, based: limitsFlat(c) & ~flat, tscLine: tscLine(c, this.tsc, 0) };
    const code = translateWasm(blocks, spec, this.layout);
    if (code === null) return null;
    let run: (room: number) => number;
    try {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(code.bytes), this.imports);
      run = instance.exports.f as (room: number) => number;
    } catch {
      return null; // e.g. a host without WebAssembly compilation: the JavaScript runs
    }
    const x = this.exchange;
    const stats = this.stats;
    const { paging, user } = spec;
    const flatUsed = code.flatUsed;
    const based = code.basedUsed;
    const usesTsc = code.usesTsc;
    const tsc = this.tsc;
    let retiredTotal = 0;
    let bails = 0;
    const fn: BlockFn = (c: Cpu): number => {
      if (c.paging !== paging || c.user !== user || !flatMachine(c) || !isFlat(c, flatUsed) ||
        (based !== 0 && !setBases(c, based, x))) return js(c);
      if (usesTsc) {
        // A TSC written far out (WRMSR) could leave the range the module converts exactly.
        if (!(Math.abs(c.tscOffset) < TSC_OFFSET_MAX) || !tscLine(c, tsc, TscWord.BASE)) return js(c);
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
      const retired = run(room > 0x7fffffff ? 0x7fffffff : room);
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
      stats.wasmBails++;
      if (kind === WasmExit.INTERPRET) return WasmExit.BAIL; // always here: JavaScript would call the handler the same way
      retiredTotal += retired;
      if (++bails >= BAIL_MIN && retiredTotal < bails * BAIL_RUN && b.fn === fn) b.fn = js;
      return WasmExit.BAIL;
    };
    stats.wasm++;
    return fn;
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
