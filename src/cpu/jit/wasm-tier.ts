// Runs translations (blocks and hot regions) as WebAssembly (emit-wasm.ts): compiles a
// translation's module against the guest's WebAssembly.Memory, puts its function in a table,
// and enters it (WasmTier.enter) after checking the state the code was specialised to, moving
// the lazy-flag fields in and out through the exchange words of the CPU area; it reports a
// bail-out to the run loop. The translation's JavaScript function stays behind it for every
// other state.
import type { Cpu } from '../cpu.js';
import { CPU_AREA_CHAIN, CPU_AREA_EXCHANGE, CPU_AREA_REGS } from '../cpu-area.js';
import { Tlb, tlbNeed } from '../paging.js';
import { Flag, Seg } from '../state.js';
import { flatSegments, hasFlatLimits, limitsFlat, loadsSegmentOp } from './emit.js';
import { translateWasm, ExchangeWord, Need, TscWord, TSC_WORDS, WasmExit, type WasmBlock, type WasmLayout } from './emit-wasm.js';
import { dispatchModule, moduleBytes, callOutModule, CHAIN_UNCOUNTED } from './wasm-asm.js';
import { OPCODE_INFO } from '../decoder.js';
import { continuesAfterInterpreting, isPlainOp } from './classify.js';
import { tscLine } from '../tsc.js';
import type { Block, BlockFn, JitStats } from './jit.js';

/**
 * Code that has bailed out BAIL_MIN times and ran fewer than BAIL_RUN instructions per
 * bail-out goes back to JavaScript (a store it makes always hits a page holding code, say).
 * Its first bail-out after each TLB flush is not counted: a TLB miss after a context switch
 * costs one exit, and code entered once per switch would bail out every time and go to
 * JavaScript for good, where the dispatcher cannot chain it (wc -c at the end of a pipe of
 * three processes: 7 M returns to the run loop for 300 M instructions, 2.5x v86's time).
 */
const BAIL_MIN = 256;
const BAIL_RUN = 64;
const FLAT_MAX = 0xffffffff;
/** 2^52: with ticks below that too, the counter stays an exact integer within ±2^53. */
const TSC_OFFSET_MAX = 2 ** 52;

/**
 * What a module relies on and what the CPU offers at an entry, as bits: code may run when its
 * requirements are a subset of the capabilities (one test, in JavaScript at the first entry and
 * in the dispatcher for the ones after it).
 */
const enum Cap {
  PAGING = 1, NO_PAGING = 2, USER = 4, SUPERVISOR = 8, CPL0 = 16,
  /** The TscWord values were written for this entry (RDTSC adds the instructions retired since, ExchangeWord.RETIRED). */
  TSC = 32,
  /** Segment s flat (base 0, 4 GiB limits): 1 << (FLAT + s); 4 GiB limits, base in the exchange words: 1 << (BASED + s). */
  FLAT = 6, BASED = 12,
}

/** The requirements of code made for `spec` that uses these segments and needs (Cap bits). */
function requirements(paging: boolean, user: boolean, flatUsed: number, basedUsed: number, needs: number): number {
  return (paging ? Cap.PAGING : Cap.NO_PAGING) | (user ? Cap.USER : Cap.SUPERVISOR) | (flatUsed << Cap.FLAT) | (basedUsed << Cap.BASED) |
    ((needs & Need.CPL0) !== 0 ? Cap.CPL0 : 0) | ((needs & Need.TSC) !== 0 ? Cap.TSC : 0);
}

/**
 * A translation's WebAssembly code: its slot in the tier's function table and the state it was
 * made for (Cap bits), with its JavaScript translation for every other state.
 */
export class WasmCode {
  /** Bail-outs (not counting INTERPRET stops) and the instructions retired by the runs that bailed. */
  bails = 0;
  retired = 0;
  /** TlbState.flushes at its last bail-out (BAIL_MIN). */
  bailFlushes = -1;
  /** Its chain-table word index (-1: not in the table). */
  chainAt = -1;
  /** block.runs when this code was attached, and the slot's `left` count then. */
  runsAt = 0;
  leftAt = 0;
  /** The module it sits in once compiled again with others (null: still alone in its first). */
  batch: Batch | null = null;
  /** The interpreter runs the block's instruction (WasmTier.installInterpreted): nothing to count or compile. */
  interpreted = false;
  constructor(
    readonly slot: number,
    /** Cap bits the entry must offer. */
    readonly req: number,
    readonly js: BlockFn,
    readonly block: Block,
    /** Its function body (wasm-asm.ts functionBody), to compile it again in a batch. */
    readonly body: Uint8Array,
  ) {}
}

/** A module made of several translations' functions, and how many of them are still in use. */
class Batch {
  live: number;
  /** Its live members went to the next batch. */
  left = false;
  constructor(readonly members: readonly WasmCode[]) {
    this.live = members.length;
  }
}

/**
 * Translations compiled alone are compiled again BATCH at a time into one module. V8 gives every
 * module its own code space, jump table and instance; calls that wander over thousands of
 * one-function modules cost ~4x those over the same functions in modules of 64-100 (a
 * microbenchmark of 3000 functions called in random order: ~170 against ~45 ns per call), and
 * kernel code is such a wander. Waiting for a batch before running anything costs more than it
 * saves (blocks become warm at scattered times), so the first module is made at once.
 */
const BATCH = 64;

/** Slots the function table starts with; it doubles when full. */
const TABLE_START = 1024;
/** Chain-table entries (a power of two) and slots with a `left` count (beyond: not chained). */
const CHAIN_ENTRIES = 1 << 14;
const CHAIN_SLOTS = 1 << 16;
const CHAIN_BYTES = CHAIN_ENTRIES * 16 + CHAIN_SLOTS * 4;
/** Exchange words of the dispatcher, after the translations' (emit-wasm.ts ExchangeWord). */
const LAST_WORD = 17;
const CHAINED_WORD = 18;
/** The Cap bits code the dispatcher goes on to may require (DispatchLayout.capsWord). */
const CAPS_WORD = 19;
/** The Cap bits segments give (segmentCaps). */
const SEGMENT_CAPS = (0x3f << Cap.FLAT) | (0x3f << Cap.BASED);

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
   * V8 had to warm up and optimize one by one). The dispatcher also goes on from one
   * translation to the next without coming back here, through the chain table: per physical
   * address hash the code's address, EIP, slot and requirements (jit.ts find() in
   * WebAssembly), and per slot the entries it may make before the run loop must count them
   * (Jit.hotRuns).
   */
  private readonly table: WebAssembly.Table;
  private readonly dispatch: (slot: number, room: number, need: number) => number;
  private readonly chain: Int32Array;
  private readonly left: Int32Array;
  /** The code in each slot (null: free). */
  private readonly codes: (WasmCode | null)[] = [];
  private readonly freeSlots: number[] = [];
  /** Code still alone in its first module, oldest first (some may have gone since). */
  private fresh: WasmCode[] = [];
  /** Between beginBatch() and endBatch(): the code installed so far, without functions yet. */
  private batching = false;
  private batch: WasmCode[] = [];
  private nextSlot = 0;
  /** The block whose code ran last in enter() (the dispatcher may have gone on past the first). */
  last: Block | null = null;
  /** The table entry of blocks the interpreter runs from the dispatcher (installInterpreted). */
  private readonly callOut: unknown;
  /** With JitOptions.names: each body's function name (moduleBytes writes them into a name section). */
  private readonly names: WeakMap<Uint8Array, string> | null;

  private constructor(private readonly cpu: Cpu, area: Uint8Array, memory: WebAssembly.Memory, private readonly stats: JitStats, private readonly hotRuns: number, names: boolean) {
    this.names = names ? new WeakMap() : null;
    this.imports = { e: { m: memory } };
    this.layout = {
      regs: area.byteOffset + CPU_AREA_REGS,
      exchange: area.byteOffset + CPU_AREA_EXCHANGE,
      tlbFast: cpu.tlb.fast.byteOffset,
      pageKind: cpu.pageKind.byteOffset,
      codePages: cpu.codePages.byteOffset,
      dirtyPages: cpu.dirtyPages.byteOffset,
    };
    if (area.length < CPU_AREA_CHAIN + CHAIN_BYTES) throw new Error('CPU area too small for the chain table');
    this.exchange = new Int32Array(area.buffer, this.layout.exchange, 32);
    this.tsc = new Float64Array(area.buffer, this.layout.exchange + TSC_WORDS, 4);
    const chainAt = area.byteOffset + CPU_AREA_CHAIN;
    this.chain = new Int32Array(area.buffer, chainAt, CHAIN_ENTRIES * 4).fill(-1);
    this.left = new Int32Array(area.buffer, chainAt + CHAIN_ENTRIES * 16, CHAIN_SLOTS);
    this.table = new WebAssembly.Table({ element: 'anyfunc', initial: TABLE_START });
    const x = this.layout.exchange;
    const bytes = dispatchModule({
      eipWord: x + 4 * ExchangeWord.EIP, capsWord: x + 4 * CAPS_WORD, kindWord: x + 4 * ExchangeWord.KIND, lastWord: x + 4 * LAST_WORD, chainedWord: x + 4 * CHAINED_WORD,
      tlbFast: this.layout.tlbFast, pageKind: this.layout.pageKind, codePages: this.layout.codePages,
      chain: chainAt, chainEntries: CHAIN_ENTRIES, left: chainAt + CHAIN_ENTRIES * 16, retiredWord: x + 4 * ExchangeWord.RETIRED,
    });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { e: { m: memory, t: this.table } });
    this.dispatch = instance.exports.d as (slot: number, room: number, need: number) => number;
    const callOut = new WebAssembly.Instance(new WebAssembly.Module(callOutModule()), { e: { i: (room: number) => this.interpretCall(room) } });
    this.callOut = callOut.exports.f;
  }

  /** The tier for `cpu`, or null when its state is not in a WebAssembly memory (or the host compiles none). */
  static create(cpu: Cpu, stats: JitStats, hotRuns: number, names = false): WasmTier | null {
    const area = cpu.cpuArea;
    const memory = cpu.mem.wasmMemory;
    if (area === null || memory === null) return null;
    try {
      return new WasmTier(cpu, area, memory, stats, hotRuns, names);
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
   * of block b, in front of `js`, their JavaScript translation; null when the code or the state
   * has no WebAssembly form. The caller attaches it (attach()). Compiled alone (outside a batch),
   * it is compiled again with others later (rebatch()) unless `batchLater` is false.
   */
  install(b: Block, blocks: WasmBlock[], js: BlockFn, batchLater = true): WasmCode | null {
    const c = this.cpu;
    if (!this.accepts(c)) return null;
    const flat = flatSegments(c);
    const spec = { paging: c.paging, user: c.user, flat, based: limitsFlat(c) & ~flat, tscLine: tscLine(c, this.tsc, 0), cpl0: c.cpl === 0 };
    const code = translateWasm(blocks, spec, this.layout);
    if (code === null) return null;
    this.names?.set(code.body, `g${(b.eip >>> 0).toString(16)}${spec.user ? 'u' : 'k'}_${blocks.length}`);
    let f: unknown[] | null = null;
    if (!this.batching) {
      f = this.compile([code.body]);
      if (f === null) return null; // e.g. a host without WebAssembly compilation: the JavaScript runs
    }
    const slot = this.newSlot();
    this.stats.wasm++;
    const w = new WasmCode(slot, requirements(spec.paging, spec.user, code.flatUsed, code.basedUsed, code.needs), js, b, code.body);
    this.codes[slot] = w;
    if (f === null) {
      this.batch.push(w); // its function arrives with endBatch(), before any code runs
      return w;
    }
    this.table.set(slot, f[0]);
    // A hot region keeps its module: it is hot from the start, so V8 soon optimizes it (TurboFan,
    // ~10-50 ms for a big one), and compiled again in a batch it would be optimized again.
    if (!batchLater) return w;
    this.fresh.push(w);
    if (this.fresh.length >= BATCH) this.rebatch();
    return w;
  }

  /**
   * From here to endBatch() (translation, no guest code runs in between), install() collects
   * the translations and endBatch() compiles them as one module: one module creation (~100 µs
   * with its instance) instead of one per translation (jit.ts translates the addresses halfway
   * to the threshold together with the one that reached it).
   */
  beginBatch(): void {
    this.batching = true;
  }

  endBatch(): void {
    this.batching = false;
    if (this.batch.length === 0) return;
    const members = this.batch.filter((w) => this.codes[w.slot] === w);
    this.batch = [];
    if (members.length === 0) return;
    const f = this.compile(members.map((w) => w.body));
    if (f === null) {
      for (const w of members) this.attach(w.block, null); // the JavaScript runs them
      return;
    }
    members.forEach((w, i) => this.table.set(w.slot, f[i]));
    if (members.length === 1) {
      this.fresh.push(members[0]);
      if (this.fresh.length >= BATCH) this.rebatch();
      return;
    }
    const batch = new Batch(members);
    for (const w of members) w.batch = batch;
  }

  /**
   * For block b that has no translation (its first instruction straddles a page end): a slot
   * whose function has the interpreter run that instruction (interpretCall), so that the
   * dispatcher goes through it instead of returning to the run loop (kernel init: a binary
   * search loop with such an instruction left the dispatcher 580 K times). The interpreter
   * fetches the bytes itself, so nothing here depends on them.
   */
  installInterpreted(b: Block): WasmCode | null {
    const c = this.cpu;
    if (!this.accepts(c) || b.buf !== c.ram) return null;
    const slot = this.newSlot();
    this.table.set(slot, this.callOut);
    const w = new WasmCode(slot, 0, () => WasmExit.BAIL, b, new Uint8Array(0));
    w.interpreted = true;
    this.codes[slot] = w;
    return w;
  }

  /**
   * The dispatcher's call of a block installed by installInterpreted: runs the instruction at
   * the exchange EIP through the interpreter, with the lazy flags the translated code left in
   * the exchange words (registers are in memory between functions). The dispatcher goes on
   * when it was plain and completed (classify.ts: the boundary checks would come out as
   * before; after a segment load with the caps and bases brought up to date), else stops
   * (WasmExit.STOP). One instruction retired, fault or not.
   */
  private interpretCall(room: number): number {
    const c = this.cpu;
    const x = this.exchange;
    c.eip = x[ExchangeWord.EIP] >>> 0;
    flagsFromExchange(c, x);
    const a20 = c.a20Mask;
    const map = c.mapGeneration;
    const csSel = c.segSel[Seg.CS];
    const csBase = c.segBase[Seg.CS];
    const csAttr = c.segAttr[Seg.CS];
    const ssSel = c.segSel[Seg.SS];
    const taskReturn = (c.eflags & Flag.NT) !== 0; // IRET with NT: a task switch (every segment, CR3, LDT)
    // c.instructions and c.stopAt stay as enter() found them while the dispatcher runs.
    const completed = c.interpretOne(c.instructions + (dispatchRoom(c) - room));
    this.stats.slotInterpreted++;
    flagsToExchange(c, x);
    const pending = c.host.interrupts.hasPending();
    x[ExchangeWord.PENDING] = pending ? 1 : 0; // a plain store may reach a device
    x[ExchangeWord.EIP] = c.eip;
    // A segment load (of ES, DS, FS or GS: an SS load is not plain) changes what code after it
    // may rely on: the caps the dispatcher checks and the SEG_BASE words (kernel entry code loads
    // DS, ES and FS on every system call). Port I/O may raise an interrupt, and a write may move
    // A20 or the memory map (the OUT handler refreshes c.a20Mask and c.mapGeneration).
    if (completed && loadsSegmentOp(c.op) && x[CAPS_WORD] !== 0) x[CAPS_WORD] = (x[CAPS_WORD] & ~SEGMENT_CAPS) | segmentCaps(c, x);
    // A pending interrupt stops it only where the run loop would take one (IF set): the PIT
    // calibration loop polls port 61h with interrupts off while the timer's IRQ is pending
    // (kernel init: 36 K returns to the run loop); STI and POPF read the PENDING word.
    const interrupted = pending && (c.eflags & Flag.IF) !== 0;
    // IRET also writes EFLAGS and CS: it goes on only back into the same code segment at the
    // same privilege (the kernel's sync_core returns to itself, 70 K times in the boot), not a
    // task return, with SS as it was, TF clear and nothing for the slow checks (RF, AC).
    const iretSame = c.op !== 0xcf || (!taskReturn && c.segSel[Seg.CS] === csSel && c.segBase[Seg.CS] === csBase && c.segAttr[Seg.CS] === csAttr &&
      c.segSel[Seg.SS] === ssSel && (c.eflags & Flag.TF) === 0 && !c.slowChecks);
    const goOn = completed && (isPlainOp(c.op, OPCODE_INFO[c.op], c.reg) ||
      continuesAfterInterpreting(c.op, c.reg) && iretSame && !interrupted && c.a20Mask === a20 && c.mapGeneration === map);
    x[ExchangeWord.KIND] = goOn ? WasmExit.NEXT : WasmExit.STOP;
    return 1;
  }

  /** A free table slot (the table doubles when full). */
  private newSlot(): number {
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.nextSlot++;
    if (slot >= this.table.length) this.table.grow(this.table.length);
    return slot;
  }

  /** The functions of a module made of these bodies, or null when it cannot be compiled. */
  private compile(bodies: readonly Uint8Array[]): unknown[] | null {
    this.stats.modules++;
    try {
      const names = this.names === null ? undefined : bodies.map((b) => this.names!.get(b) ?? '');
      const exports = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes(bodies, names)), this.imports).exports;
      return bodies.map((_, i) => exports[i]);
    } catch {
      return null;
    }
  }

  /** The fresh code still in use, compiled again as one module that takes over its slots. */
  private rebatch(): void {
    const members = this.fresh.filter((w) => this.codes[w.slot] === w);
    this.fresh = [];
    if (members.length < 2) return;
    const f = this.compile(members.map((w) => w.body));
    if (f === null) return;
    const batch = new Batch(members);
    members.forEach((w, i) => {
      this.table.set(w.slot, f[i]);
      if (w.batch !== null) w.batch.live--;
      w.batch = batch;
    });
    this.stats.batches++;
  }

  /**
   * b's WebAssembly code becomes w (null: none); the old code's slot is freed. While b has
   * code, its entries up to hotRuns are counted down in the slot's `left` word, by the
   * dispatcher and by counted(); b.runs is brought up to date when the code goes.
   */
  attach(b: Block, w: WasmCode | null): void {
    const old = b.module;
    if (old !== null) {
      b.runs = this.runs(old);
      this.release(old);
    }
    b.module = w;
    if (w === null) return;
    w.runsAt = b.runs;
    // Uncounted: enough entries made it hot, or it has no translation to make hot (installInterpreted).
    const left = b.runs >= this.hotRuns || w.interpreted ? CHAIN_UNCOUNTED : Math.min(this.hotRuns - b.runs, CHAIN_UNCOUNTED - 1);
    w.leftAt = left;
    if (w.slot >= CHAIN_SLOTS) return;
    this.left[w.slot] = left;
    // RAM code goes in the chain table.
    if (b.buf !== this.cpu.ram) return;
    const pa = b.pa;
    // Its set's first way; the code there moves to the second, whose code leaves the table.
    const at = ((pa ^ (pa >>> 14)) & (CHAIN_ENTRIES - 2)) * 4;
    const ch = this.chain;
    if (ch[at] !== -1) {
      if (ch[at + 4] !== -1) this.codes[ch[at + 6]]!.chainAt = -1;
      ch.copyWithin(at + 4, at, at + 4);
      this.codes[ch[at + 6]]!.chainAt = at + 4;
    }
    ch[at] = pa;
    ch[at + 1] = b.key;
    ch[at + 2] = w.slot;
    ch[at + 3] = w.req;
    w.chainAt = at;
  }

  /** b.runs of w's block, counting the entries made since w was attached (beyond CHAIN_SLOTS: counted in b.runs). */
  private runs(w: WasmCode): number {
    return w.slot >= CHAIN_SLOTS ? w.block.runs : w.runsAt + (w.leftAt - this.left[w.slot]);
  }

  /**
   * One more entry of w's block from the run loop (its runs below hotRuns); true when the block
   * has now run hotRuns times (b.runs says so).
   */
  counted(w: WasmCode): boolean {
    if (w.slot >= CHAIN_SLOTS) return ++w.block.runs >= this.hotRuns;
    if (--this.left[w.slot] > 0) return false;
    w.block.runs = this.runs(w);
    return true;
  }

  /** Frees w's slot (its block died, or has other code now). */
  private release(w: WasmCode): void {
    if (w.chainAt >= 0) this.chain[w.chainAt] = -1;
    this.codes[w.slot] = null;
    this.table.set(w.slot, null);
    this.freeSlots.push(w.slot);
    const batch = w.batch;
    // A batch module lives while any of its functions does: when a quarter or less of it is
    // left, those go into the next batch so that dead code does not pile up behind them.
    if (batch !== null && --batch.live > 0 && batch.live * 4 <= batch.members.length && !batch.left) {
      for (const m of batch.members) if (this.codes[m.slot] === m) this.fresh.push(m);
      batch.left = true;
    }
  }

  /** Frees every slot (the code cache was dropped). */
  releaseAll(): void {
    for (let i = 0; i < this.nextSlot; i++) this.table.set(i, null);
    this.codes.length = 0;
    this.chain.fill(-1);
    this.freeSlots.length = 0;
    this.nextSlot = 0;
    this.fresh = [];
    this.batch = [];
  }

  /**
   * Runs w (b's code) as a jit.ts block function does, and the code the dispatcher finds after
   * it: 0 when the next block may follow, 2 (BAIL) when the instruction at EIP is for the
   * interpreter. `last` is the block that ran last. Outside the state w was made for, the
   * JavaScript translation runs.
   */
  enter(c: Cpu, b: Block, w: WasmCode): number {
    const x = this.exchange;
    this.last = b;
    if (!flatMachine(c)) return w.js(c);
    // What this entry offers.
    let caps = (c.paging ? Cap.PAGING : Cap.NO_PAGING) | (c.user ? Cap.USER : Cap.SUPERVISOR) | (c.cpl === 0 ? Cap.CPL0 : 0) | segmentCaps(c, x);
    // The TSC words, for this code or any the dispatcher goes on to. A TSC written far out
    // (WRMSR) could leave the range the modules convert exactly.
    const tsc = this.tsc;
    if (Math.abs(c.tscOffset) < TSC_OFFSET_MAX && tscLine(c, tsc, TscWord.BASE)) {
      tsc[TscWord.COUNT] = c.instructions;
      tsc[TscWord.OFFSET] = c.tscOffset;
      caps |= Cap.TSC;
    }
    if ((w.req & ~caps) !== 0) return w.js(c);
    flagsToExchange(c, x);
    x[ExchangeWord.PENDING] = c.host.interrupts.hasPending() ? 1 : 0;
    x[ExchangeWord.EIP] = c.eip; // where interpretCall starts when w is an interpreted slot
    // Other code is looked up only where EIP is the linear address (CS base 0).
    x[CAPS_WORD] = c.segBase[Seg.CS] === 0 ? caps : 0;
    const retired = this.dispatch(w.slot, dispatchRoom(c), c.paging ? tlbNeed(c.user, false) | Tlb.RAM : 0);
    flagsFromExchange(c, x);
    c.eip = x[ExchangeWord.EIP] >>> 0;
    c.instructions += retired;
    const chained = x[CHAINED_WORD];
    if (chained !== 0) {
      this.stats.executed += chained;
      this.stats.chained += chained;
      // null: the interpreter (interpretCall) invalidated the last code it ran (a store into its page).
      const lw = this.codes[x[LAST_WORD]];
      if (lw === null || lw === undefined) {
        this.last = null;
        return 1;
      }
      w = lw;
      this.last = w.block;
    }
    const kind = x[ExchangeWord.KIND];
    if (kind === WasmExit.NEXT) return 0;
    if (kind === WasmExit.STOP) return 1; // run loop: boundary checks
    this.stats.wasmBails++;
    if (kind === WasmExit.INTERPRET) return WasmExit.BAIL; // always here: JavaScript would call the handler the same way
    const flushes = c.tlb.flushes;
    if (w.bailFlushes !== flushes) {
      w.bailFlushes = flushes;
      return WasmExit.BAIL;
    }
    w.retired += retired;
    const last = w.block;
    if (++w.bails >= BAIL_MIN && w.retired < w.bails * BAIL_RUN && last.module === w) this.attach(last, null);
    return WasmExit.BAIL;
  }
}

/**
 * The Cap bits of the segments with 4 GiB limits (FLAT when the base is 0 as well), whose bases
 * go to the exchange words, where the translations read them at entry.
 */
function segmentCaps(c: Cpu, x: Int32Array): number {
  let caps = 0;
  for (let s = 0; s < 6; s++) {
    if (!hasFlatLimits(c, s)) continue;
    const base = c.segBase[s];
    x[ExchangeWord.SEG_BASE + s] = base;
    caps |= (base === 0 ? (1 << Cap.FLAT) | (1 << Cap.BASED) : 1 << Cap.BASED) << s;
  }
  return caps;
}

/** What every module assumes: a 32-bit stack, A20 on and a 4 GiB CS limit (no jump needs a limit check). */
function flatMachine(c: Cpu): boolean {
  return c.stackMask === FLAT_MAX && c.a20Mask === FLAT_MAX && c.segLimit[Seg.CS] === FLAT_MAX;
}

/** The lazy-flag fields and EFLAGS into the exchange words, where translated code keeps them. */
function flagsToExchange(c: Cpu, x: Int32Array): void {
  x[ExchangeWord.F_OP] = c.fOp;
  x[ExchangeWord.F_DST] = c.fDst;
  x[ExchangeWord.F_SRC] = c.fSrc;
  x[ExchangeWord.F_RES] = c.fRes;
  x[ExchangeWord.F_BITS] = c.fBits;
  x[ExchangeWord.F_LAZY] = c.fLazy;
  x[ExchangeWord.EFLAGS] = c.eflags;
}

/** The lazy-flag fields and EFLAGS back from the exchange words. */
function flagsFromExchange(c: Cpu, x: Int32Array): void {
  c.fOp = x[ExchangeWord.F_OP];
  c.fDst = x[ExchangeWord.F_DST];
  c.fSrc = x[ExchangeWord.F_SRC];
  c.fRes = x[ExchangeWord.F_RES];
  c.fBits = x[ExchangeWord.F_BITS];
  c.fLazy = x[ExchangeWord.F_LAZY];
  c.eflags = x[ExchangeWord.EFLAGS];
}

/** The instructions the dispatcher may retire in this entry (its int32 budget). */
function dispatchRoom(c: Cpu): number {
  const room = c.stopAt - c.instructions;
  return room > 0x7fffffff ? 0x7fffffff : room;
}
