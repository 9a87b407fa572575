// Dynamic binary translation: hot guest code becomes JavaScript functions (`new Function`, so
// it runs wherever the core runs) that V8 compiles to machine code. The code cache is keyed by
// the physical address of a block's first byte plus the decode mode; a block never leaves its
// 4 KiB page, so invalidation is per physical page: translating marks memory.codePages, every
// writer (CPU stores, DMA, PAM, loaders) then calls memory.onCodeWrite(page) and the page's
// blocks are dropped. Design and exactness rules: src/cpu/README.md "Translation (JIT)".
import type { Cpu } from '../cpu.js';
import { Seg } from '../state.js';
import { tlbFetchable, probeFetch } from '../paging.js';
import { runFallback } from './fallback.js';
import { setSp } from '../mmu.js';
import { jr8, jr16, jr32, jw8, jw16, jw32, jpush, jpop, jstack } from './mem.js';
import { getCF, testCC } from '../flags.js';
import { shift } from '../ops/shift.js';
import { raise } from '../interrupts.js';
import { translate, translateRegion, flatSegments, limitsFlat, ENV_NAMES, JS_REGION, WASM_REGION, type BlockCode, type RegionLimits } from './emit.js';
import { setFetchWindow } from '../fetch.js';
import { widenNumberFields } from '../wide-fields.js';
import { WasmTier, type WasmCode } from './wasm-tier.js';
import { interpretedInDispatcher } from './classify.js';

export interface JitOptions {
  /**
   * Executions of a block address before it is translated (0: translate on first sight).
   * Default 2000: kernel init 0.95× and the full boot 0.93× the time at 4000 (medians of 8 and 5
   * alternating runs, bench/kernel-init.js), sha256 within noise; 1000 and below make more warm
   * modules than they save (src/cpu/README.md).
   */
  threshold?: number;
  /** Inline emitters (default true); false runs every instruction through its handler. */
  inline?: boolean;
  /** Code-cache bound in blocks: beyond it the whole cache is dropped (QEMU's tb_flush policy). */
  maxBlocks?: number;
  /** Code-cache bound in bytes of generated source (V8's code grows with it); the same policy. */
  maxBytes?: number;
  /**
   * Entries of a translated block before it is translated again as a hot region (emit.ts
   * translateRegion: the translated blocks its jumps reach in its page, memory fast path
   * inline; 0: at once; Infinity: never). Bigger functions take V8 longer to compile, which
   * only pays off for code that runs very often. Default 20000, or 0 with threshold 0
   * (everything translated, as the differential tests want it).
   */
  hotRuns?: number;
  /** Translations also as WebAssembly where the state allows (default true; jit/wasm-tier.ts); false: JavaScript only. */
  wasm?: boolean;
  /**
   * Name each WebAssembly function after its guest code (a "name" section: `g<EIP hex><k|u>_<blocks>`,
   * k for supervisor code, u for user code), so that V8's profilers (`node --cpu-prof`, DevTools)
   * show time by guest address. Default false (the names cost bytes and module size).
   */
  names?: boolean;
  /** Clock for the translation-time statistic (ms); defaults to Date.now. */
  now?: () => number;
}

export interface JitStats {
  translated: number;
  /** Of those, translated again as hot regions. */
  hot: number;
  /** Translations (blocks, and hot regions again) running as WebAssembly (jit/wasm-tier.ts). */
  wasm: number;
  /** WebAssembly code leaving before an instruction for the interpreter to run. */
  wasmBails: number;
  /** Modules made by compiling translations again together (jit/wasm-tier.ts rebatch). */
  batches: number;
  /** WebAssembly modules compiled (one holds one translation or several). */
  modules: number;
  /** Block entries from the run loop (jumps between the blocks of a region are not counted). */
  executed: number;
  /** Of those, entries through a chain link (no lookup). */
  chained: number;
  /**
   * Instructions retired by translated code: blocks entered from the run loop and whatever the
   * dispatcher went on to (a block that faults is not counted). The rest of the guest's count
   * ran in the run loop's interpreter: the price of tiering, deterministic for a build.
   */
  retired: number;
  /** Of those, instructions the dispatcher had the interpreter run (interpreted slots). */
  slotInterpreted: number;
  /** Blocks dropped because their page was written. */
  invalidated: number;
  /** Whole-cache drops because of the size bound. */
  flushes: number;
  /** Live blocks and their generated source size. */
  cacheBlocks: number;
  cacheBytes: number;
  translateMs: number;
}

/** What Jit.runBlock did: ran blocks, or left the next instruction to the interpreter. */
export const enum BlockRun {
  /** Interpret up to the next branch. */
  NONE = 0,
  RAN = 1,
  /** Interpret one instruction, then ask again. */
  RETRY = 2,
}

/**
 * Returns 0 when the next block may follow at once, 1 when the run loop must look first, 2 when
 * the instruction at EIP must be interpreted (a WebAssembly region bailed out: jit/wasm-tier.ts).
 */
export type BlockFn = (c: Cpu) => number;
const BAIL = 2;

/** One translated block. `fn` null: nothing translatable starts here (interpret). */
export class Block {
  /** Its JavaScript translation (a hot region's, once it has one). */
  fn: BlockFn | null = null;
  /** WebAssembly code in front of fn (jit/wasm-tier.ts), or null. */
  module: WasmCode | null = null;
  /** The block's own JavaScript translation: what a hot region or WebAssembly code falls back to. */
  general: BlockFn | null = null;
  dead = false;
  count = 0;
  /** Entries since translation, up to Jit.hotRuns (then the block is translated again, hot). */
  runs = 0;
  lastEip = 0;
  size = 0;
  /**
   * The bytes translated from, as index and length pairs in buf (one pair; a region has one
   * per block): a write to any of them kills the block.
   */
  ranges: number[] = [];
  /** eip as an int32: compared where the run loop looks for the next block (one load; eip is a boxed double). */
  readonly key: number;
  /** Blocks that followed this one (jit.ts runBlock chaining; see linkable()). */
  link0: Block | null = null;
  link1: Block | null = null;
  constructor(
    /** The bytes the block was translated from: RAM, or a ROM region's array. */
    readonly buf: Uint8Array,
    /** Index of the first byte in buf (for RAM: the physical address). */
    readonly pa: number,
    readonly eip: number,
    readonly mode: number,
  ) {
    widenNumberFields<Block>(this, ['eip', 'lastEip']); // kernel code lies above 2^31
    this.key = eip | 0;
  }
}

/**
 * Opens the interpreter's fetch window (fetch.ts fetchSlow) at `eip` without faulting: only
 * when EIP is within the CS limit and, with paging, the page translates for a fetch. A TLB
 * miss walks the tables as the fetch of the next instruction would (accessed bits, TLB fill),
 * but only when that instruction will run in this slice (so the walk is that fetch's, early);
 * without it, code entered first in its page after each CR3 load (user code after a context
 * switch) was never counted nor translated. False: let the interpreter fetch (and fault).
 */
function openWindow(c: Cpu, eip: number): boolean {
  const limit = c.segLimit[Seg.CS];
  if (eip > limit) return false;
  const lin = (c.segBase[Seg.CS] + eip) | 0;
  let a = lin;
  if (c.paging) {
    const page = lin >>> 12;
    if (tlbFetchable(c.tlb.flags[page], c.user)) a = c.tlb.phys[page] | (lin & 0xfff);
    else if (c.instructions >= c.stopAt || (a = probeFetch(c, lin, c.user)) < 0) return false;
  }
  if (!setFetchWindow(c, eip, lin, (a & c.a20Mask) >>> 0, limit)) return false;
  c.fetchSpan = c.fetchEnd - c.fetchMin;
  return true;
}

/**
 * `to` may follow `from` without a lookup: same bytes, same 4 KiB page, same EIP-to-address
 * distance and mode. Then `to` is where a lookup from inside `from`'s window would land.
 */
function linkable(from: Block, to: Block): boolean {
  return to.buf === from.buf && ((to.pa ^ from.pa) >>> 12) === 0 && to.pa - from.pa === to.eip - from.eip && to.mode === from.mode;
}

/** Index in b.buf just past the bytes b may be translated from: the end of its page. */
function codeEnd(b: Block): number {
  return Math.min((b.pa | (PAGE_SIZE - 1)) + 1, b.buf.length);
}

/**
 * Key of the block at physical address `pa` entered at `eip` in its page's map: the offset in the
 * page, CS.D, and the page's linear-to-physical distance. The same bytes under another linear
 * address are another translation (EIPs are constants in the code), and both must live: the
 * vDSO sits at a different address in each process, and with one key per physical byte two
 * processes taking turns retranslated its blocks at every switch (a pipe between dd and cat:
 * 8100 of 9500 translations).
 */
function ramKey(pa: number, eip: number, mode: number): number {
  return (((pa & (PAGE_SIZE - 1)) << 1) | mode) + ((eip - pa) >>> 12) * (PAGE_SIZE * 2);
}

/** The same for index `index` of a ROM region's bytes (index * 2 < 2^33; the key stays below 2^53, exact). */
function romKey(index: number, eip: number, mode: number): number {
  return index * 2 + mode + ((eip - index) >>> 12) * 2 ** 33;
}

const CACHE_SIZE = 1 << 14;
/** Entry counters: 4096 pages of 1024 (Jit.find). */
const HIT_SIZE = 1 << 22;
const PAGE_SIZE = 4096;
/** Pending addresses (Jit.notePending) that are translated together without waiting for one to reach the threshold. */
const PENDING_MAX = 64;

/**
 * What a translation made now is specialised to, as a number (pending addresses noted in another
 * state wait for the threshold). It includes the segments with 4 GiB limits: the kernel's
 * per-CPU FS is one only after its entry code loads it, and code translated before that would
 * stop at every FS access for good.
 */
function translationState(c: Cpu): number {
  return (c.paging ? 1 : 0) | (c.user ? 2 : 0) | (c.cpl === 0 ? 4 : 0) | (c.codeBig ? 8 : 0) | (flatSegments(c) << 4) | (limitsFlat(c) << 10);
}

/** Interpreted instructions that count as one more entry of the address they started at (Jit.creditRun). */
const RUN_CREDIT = 16;

export class Jit {
  readonly threshold: number;
  readonly inline: boolean;
  readonly maxBlocks: number;
  readonly maxBytes: number;
  readonly hotRuns: number;
  private readonly now: () => number;
  /** Blocks by physical page, then by offset in the page. */
  private readonly pages = new Map<number, Map<number, Block>>();
  /** Direct-mapped front of the page maps, indexed by a hash of the physical address. */
  private readonly cache: (Block | undefined)[] = new Array<Block | undefined>(CACHE_SIZE).fill(undefined);
  /** pa of each cache slot's block as an int32 (-1: empty). */
  private readonly cacheTags = new Int32Array(CACHE_SIZE).fill(-1);
  /** Entry counts of addresses, per 4 bytes of code in hashed pages (a collision only translates earlier). */
  private readonly hits = new Uint32Array(HIT_SIZE);
  /** The counter find() bumped last for an untranslated address (-1: none pending) and the count then. */
  private lastHit = -1;
  private lastHitAt = 0;
  private readonly env: Record<string, unknown>;
  private liveBlocks = 0;
  /** new Function is not allowed here (browser CSP without 'unsafe-eval'). */
  private noEval = false;
  /** WebAssembly code for translations, where the memory allows it (null: JavaScript only). */
  private readonly wasm: WasmTier | null;
  readonly stats: JitStats = {
    translated: 0, hot: 0, wasm: 0, wasmBails: 0, batches: 0, modules: 0, executed: 0, chained: 0, retired: 0, slotInterpreted: 0, invalidated: 0, flushes: 0, cacheBlocks: 0, cacheBytes: 0, translateMs: 0,
  };

  constructor(private readonly cpu: Cpu, options: JitOptions = {}) {
    widenNumberFields(this as unknown as { lastHitAt: number }, ['lastHitAt']); // an instruction count, beyond 2^31
    this.threshold = options.threshold ?? 2000;
    this.inline = options.inline ?? true;
    this.maxBlocks = options.maxBlocks ?? 65536;
    this.maxBytes = options.maxBytes ?? 64 << 20;
    this.hotRuns = options.hotRuns ?? (this.threshold === 0 ? 0 : 20000);
    this.now = options.now ?? Date.now;
    this.wasm = options.wasm === false ? null : WasmTier.create(cpu, this.stats, this.hotRuns, options.names === true);
    const env: Record<string, unknown> = {
      fb: runFallback, jr8, jr16, jr32, jw8, jw16, jw32, jpush, jpop, jstack, setSp, getCF, testCC, shift, raise,
    };
    for (const n of ENV_NAMES) if (env[n] === undefined) throw new Error(`jit: missing helper ${n}`);
    this.env = env;
    cpu.mem.onCodeWrite = (page, address) => {
      if (address === undefined) this.invalidatePage(page);
      else this.invalidateByte(page, address);
    };
  }

  /**
   * Runs the block at the current EIP if one is (or can now be) translated and fits in the
   * budget. Otherwise the caller interprets: up to its next branch (BlockRun.NONE), or one
   * instruction and then asks again (BlockRun.RETRY: nothing is translatable at this EIP, e.g.
   * an instruction that straddles a page end, but the code after it may be). The caller has
   * checked interrupts, TF, the interrupt shadow and slowChecks.
   */
  runBlock(c: Cpu): BlockRun {
    const mode = c.codeBig ? 1 : 0;
    let ran = false;
    let prev: Block | null = null;
    // Blocks run back to back while each returns 0: such a block changed nothing the run loop
    // checks at a boundary (IF, the controller's pending state, TF, the shadow, slowChecks, CS.D),
    // so those checks would all come out as they did before the first block.
    for (;;) {
      const eip = c.eip;
      let b: Block | null = null;
      if (prev !== null) {
        // Chaining: the block that followed `prev` last time, if it starts here. Links only
        // join blocks of one page at the same EIP-to-address distance, so the window, the
        // page's mapping and CS are those `prev` was entered with; invalidation kills both.
        b = prev.link0;
        const key = eip | 0;
        if (b === null || b.key !== key) b = prev.link1;
        if (b !== null && (b.key !== key || b.dead)) b = null;
        else if (b !== null) this.stats.chained++;
      }
      if (b === null) {
        b = this.find(c, eip, mode);
        if (b === null) return ran ? BlockRun.RAN : BlockRun.NONE;
        if (prev !== null && linkable(prev, b)) {
          if (prev.link0 === null || prev.link0.dead) prev.link0 = b;
          else prev.link1 = b;
        }
      }
      const w = b.module;
      if (b.runs < this.hotRuns && (w === null ? ++b.runs >= this.hotRuns : this.wasm!.counted(w)) && b.fn !== null) this.retranslateHot(b);
      const fn = b.fn;
      if (fn === null || c.instructions + b.count > c.stopAt || b.lastEip > c.fetchEnd) {
        if (ran) return BlockRun.RAN;
        return fn === null && !this.noEval ? BlockRun.RETRY : BlockRun.NONE;
      }
      this.stats.executed++;
      ran = true;
      const m: WasmCode | null = b.module; // retranslateHot may have given b other code
      const before = c.instructions;
      const r = m === null ? fn(c) : this.wasm!.enter(c, b, m);
      this.stats.retired += c.instructions - before;
      if (r !== 0) return r === BAIL ? BlockRun.RETRY : BlockRun.RAN;
      prev = m === null ? b : this.wasm!.last!;
    }
  }

  /**
   * The block at `eip` through the fetch window and the front cache, or null: cold (below the
   * tiering threshold), or outside a window that can be opened without side effects.
   */
  private find(c: Cpu, eip: number, mode: number): Block | null {
    if (this.lastHit >= 0) this.creditRun(c);
    const min = c.fetchMin;
    // Only code inside the fetch window (which also bounds the CS limit); after a branch to
    // another page the window is moved here when the TLB already maps the target.
    if ((eip - min) >>> 0 > c.fetchEnd - min && !openWindow(c, eip)) return null;
    // RAM: pa is the physical address. ROM: the index in the region's bytes, which never
    // change (a remapped address opens a window on other bytes, hence other blocks).
    const buf = c.fetchBuf;
    const pa = eip + c.fetchDelta;
    // Tiering, cheap for cold code: a counter per 4 code bytes, a page's counters together and
    // the pages hashed (an index hashed per address, or per 64-byte chunk, made this load a cache
    // miss at nearly every interpreted branch, half of find()'s time); once it reaches the
    // threshold the address goes to the maps. Counters never go down, so an address below the
    // threshold has no translation and the front cache need not be looked at. The page's
    // linear-to-physical distance is hashed in, as it is in the block keys: a library mapped at a
    // new address in a short-lived process warms up again rather than being translated at once.
    const page = Math.imul((pa >>> 12) ^ Math.imul((eip - pa) >>> 12, 0x85ebca6b), 0x9e3779b1) >>> 20;
    const h = (page << 10) | ((pa >>> 2) & 1023);
    const hits = this.hits[h];
    if (hits < this.threshold) {
      this.hits[h] = hits + 1;
      this.lastHit = h;
      this.lastHitAt = c.instructions;
      if (hits + 1 === this.threshold >>> 1 && this.wasm !== null) this.notePending(c, buf, pa, eip, mode, h);
      return null;
    }
    const slot = (pa ^ (pa >>> 14)) & (CACHE_SIZE - 1);
    if (this.cacheTags[slot] === (pa | 0)) {
      const b = this.cache[slot]!;
      if (b.key === (eip | 0) && b.mode === mode && !b.dead && b.buf === buf && !(buf === c.ram && c.codePages[pa >>> 12] === 0)) return b;
    }
    this.wasm?.beginBatch();
    const built = this.built;
    const b = buf === c.ram ? this.lookup(c, pa, eip, mode) : this.lookupRom(c, buf, pa, eip, mode);
    if (this.built !== built && this.pending.length > 0) this.translatePending(c);
    this.wasm?.endBatch();
    this.cache[slot] = b;
    this.cacheTags[slot] = pa;
    return b;
  }

  /** Blocks built so far (find() translates the pending addresses along with a new one). */
  private built = 0;
  /**
   * Addresses halfway to the threshold, translated together with the next new block that
   * reaches it (or once PENDING_MAX are waiting), so that their WebAssembly functions share one
   * module: V8 spends ~170 µs creating a module and its instance, ~20 µs per function in a
   * shared one. Kernel init: 2880 modules before, 1060 now, for 3690 translations instead of 2630.
   */
  private readonly pending: { buf: Uint8Array; pa: number; eip: number; mode: number; h: number; state: number }[] = [];

  private notePending(c: Cpu, buf: Uint8Array, pa: number, eip: number, mode: number, h: number): void {
    this.pending.push({ buf, pa, eip, mode, h, state: translationState(c) });
    if (this.pending.length < PENDING_MAX) return;
    this.wasm!.beginBatch();
    this.translatePending(c);
    this.wasm!.endBatch();
  }

  /**
   * Translates the pending addresses noted in the CPU's present state (paging, privilege, code
   * size, flat segments: what their code is specialised to) and lets find() return them.
   */
  private translatePending(c: Cpu): void {
    const state = translationState(c);
    for (const p of this.pending) {
      if (p.state !== state) continue;
      if (p.buf === c.ram) this.lookup(c, p.pa, p.eip, p.mode);
      else this.lookupRom(c, p.buf, p.pa, p.eip, p.mode);
      if (this.hits[p.h] < this.threshold) this.hits[p.h] = this.threshold;
    }
    this.pending.length = 0;
  }

  /**
   * Tiering by work, not only by entries: the interpreter ran from the untranslated address
   * counted last up to this lookup (its next branch), and a long straight-line run earns its
   * start one more entry per RUN_CREDIT instructions. Unrolled code (the kernel's blake2s
   * runs ~2500 instructions per call) was interpreted for 4000 calls, and then each following
   * 64-instruction piece waited for 4000 more.
   */
  private creditRun(c: Cpu): void {
    const run = c.instructions - this.lastHitAt;
    if (run >= RUN_CREDIT) this.hits[this.lastHit] += Math.min(run / RUN_CREDIT, this.threshold) | 0;
    this.lastHit = -1;
  }

  /** Blocks in ROM, per ROM byte array (no invalidation: the bytes are constant). */
  private readonly romBlocks = new Map<Uint8Array, Map<number, Block>>();

  private lookupRom(c: Cpu, buf: Uint8Array, index: number, eip: number, mode: number): Block {
    return this.findOrBuild(this.romBlocks, buf, romKey(index, eip, mode), c, buf, index, eip, mode);
  }

  /** The live block under `key` in `groups.get(group)`, or a new translation stored there. */
  private findOrBuild<G>(groups: Map<G, Map<number, Block>>, group: G, key: number, c: Cpu, buf: Uint8Array, pa: number, eip: number, mode: number): Block {
    let m = groups.get(group);
    let b = m?.get(key);
    if (b !== undefined && b.eip === eip && !b.dead) return b;
    if (this.liveBlocks >= this.maxBlocks || this.stats.cacheBytes >= this.maxBytes) {
      this.flush(); // empties every group
      m = undefined;
      b = undefined;
    }
    const nb = this.build(c, buf, pa, eip, mode);
    if (m === undefined) {
      m = new Map();
      groups.set(group, m);
    }
    if (b !== undefined) this.drop(b);
    m.set(key, nb);
    this.add(nb);
    if (this.hotRuns === 0) this.retranslateHot(nb);
    return nb;
  }

  private add(b: Block): void {
    this.liveBlocks++;
    this.stats.cacheBytes += b.size;
    this.stats.cacheBlocks = this.liveBlocks;
    if (b.buf === this.cpu.ram) this.cover(b, 1);
  }

  /** b's WebAssembly code becomes w (null: none); its old code's table slot is freed. */
  private setModule(b: Block, w: WasmCode | null): void {
    if (this.wasm !== null) this.wasm.attach(b, w);
  }

  private drop(b: Block): void {
    b.dead = true;
    this.setModule(b, null);
    this.liveBlocks--;
    this.stats.cacheBytes -= b.size;
    this.stats.cacheBlocks = this.liveBlocks;
    if (b.buf === this.cpu.ram) this.cover(b, -1);
  }

  /**
   * Per RAM page with blocks: how many live blocks cover each 16-byte granule. A write to a
   * granule no block covers (data beside code, or code patched elsewhere in the page) costs a
   * look here and kills nothing (QEMU keeps a code bitmap per page for the same reason).
   */
  private readonly granules = new Map<number, Uint16Array>();

  private cover(b: Block, delta: number): void {
    const r = b.ranges;
    if (r.length === 0) return;
    const page = b.pa >>> 12; // every range lies in b's page
    let g = this.granules.get(page);
    if (g === undefined) {
      g = new Uint16Array(PAGE_SIZE >> 4);
      this.granules.set(page, g);
    }
    for (let k = 0; k < r.length; k += 2) {
      const first = r[k] & (PAGE_SIZE - 1);
      for (let i = first >> 4, last = (first + r[k + 1] - 1) >> 4; i <= last; i++) g[i] += delta;
    }
  }

  /** Byte `address` of b's page is one the block was translated from. */
  private static covers(b: Block, address: number): boolean {
    const r = b.ranges;
    for (let k = 0; k < r.length; k += 2) if (address >= r[k] && address < r[k] + r[k + 1]) return true;
    return false;
  }

  private lookup(c: Cpu, pa: number, eip: number, mode: number): Block {
    const page = pa >>> 12;
    // Writers that bypass onCodeWrite (snapshot loads) clear codePages: the page's blocks are stale.
    if (c.codePages[page] === 0) this.invalidatePage(page);
    const b = this.findOrBuild(this.pages, page, ramKey(pa, eip, mode), c, c.ram, pa, eip, mode);
    c.codePages[page] = 1;
    return b;
  }

  private build(c: Cpu, buf: Uint8Array, pa: number, eip: number, mode: number): Block {
    this.built++;
    const t0 = this.now();
    const b = new Block(buf, pa, eip, mode);
    b.ranges = [pa, Math.min(15, codeEnd(b) - pa)]; // untranslatable: a write to the first instruction's bytes retries
    const code = this.compile(b, false);
    if (code !== null) {
      b.count = code.count;
      b.lastEip = code.lastEip;
      b.ranges = code.ranges;
      this.stats.translated++;
    } else if (this.wasm !== null && this.inline && !this.noEval) {
      this.setModule(b, this.wasm.installInterpreted(b)); // the dispatcher has the interpreter run it
    }
    this.stats.translateMs += this.now() - t0;
    return b;
  }

  /**
   * A block that ran hotRuns times, translated again as a region (with the translated blocks
   * its jumps reach in its page) and the memory fast path inline.
   */
  private retranslateHot(b: Block): void {
    const t0 = this.now();
    const size = b.size;
    const code = b.general === null ? null : this.compile(b, true);
    if (code !== null) {
      this.stats.cacheBytes += b.size - size;
      this.stats.hot++;
      b.lastEip = code.lastEip;
      const covered = b.buf === this.cpu.ram && !b.dead;
      if (covered) this.cover(b, -1);
      b.ranges = code.ranges;
      if (covered) this.cover(b, 1);
    }
    this.stats.translateMs += this.now() - t0;
  }

  /**
   * Whether the block at code index `at` (EIP `eip`) belongs in a region: translated already
   * (so it ran often), or everything when the threshold is 0.
   */
  private warm(buf: Uint8Array, at: number, eip: number, mode: number): boolean {
    if (this.threshold === 0) return true;
    const b = buf === this.cpu.ram ? this.pages.get(at >>> 12)?.get(ramKey(at, eip, mode)) : this.romBlocks.get(buf)?.get(romKey(at, eip, mode));
    return b !== undefined && !b.dead && b.eip === eip && b.fn !== null;
  }

  /**
   * Translates b's bytes into b.fn (null when nothing translatable starts there, or eval is
   * forbidden) and b.size; the same bytes give the same instructions, count and lastEip.
   * `hot`: b.fn, translated already, becomes the fallback of a hot region specialised to the
   * CPU's present paging state and privilege (emit.ts translateRegion).
   */
  private compile(b: Block, hot: boolean): BlockCode | null {
    const end = codeEnd(b);
    const big = (b.mode & 1) !== 0;
    const c = this.cpu;
    const wasmState = this.wasm !== null && this.inline && this.wasm.accepts(c);
    const region = (limits: RegionLimits) => translateRegion(b.buf, b.pa, end, b.eip, big, this.inline,
      { paging: c.paging, user: c.user, flat: flatSegments(c) }, (eip, at) => this.warm(b.buf, at, eip, b.mode), limits);
    const first = hot ? region(wasmState ? WASM_REGION : JS_REGION) : translate(b.buf, b.pa, end, b.eip, big, this.inline);
    if (first === null || this.noEval) return null;
    let code: BlockCode = first;
    const general = hot ? b.general : null;
    const build = (): BlockFn => {
      const names = ENV_NAMES.join(',');
      const factory = new Function('E', 'B', 'D', 'C', `"use strict";const {${names}}=E;\nreturn function blk(c){\n${code.source}};`) as (
        e: Record<string, unknown>,
        blk: Block,
        records: unknown[],
        general: BlockFn | null,
      ) => BlockFn;
      return factory(this.env, b, code.records, general);
    };
    // With WebAssembly code in front, the JavaScript function is only needed when the CPU is
    // not in the state that code was made for: built then (V8 parses and compiles each one).
    let js: BlockFn | null = null;
    const lazy: BlockFn = (cpu) => {
      if (js === null) {
        try {
          js = build();
        } catch {
          this.noEval = true;
          js = () => BAIL; // eval forbidden: the interpreter runs it
        }
      }
      return js(cpu);
    };
    const w = wasmState ? this.wasm!.install(b, code.blocks, lazy, !hot) : null;
    this.setModule(b, w);
    if (w !== null) {
      b.fn = lazy;
      if (!hot) b.general = lazy;
    } else {
      // A region sized for WebAssembly would be too big a JavaScript function.
      if (hot && wasmState) code = region(JS_REGION)!;
      // A block that starts with an instruction without a WebAssembly form that is plain, or IN,
      // OUT or INVLPG (kernel init's PIT calibration loop: `in al,61h`, then `out 80h,al` as the
      // I/O delay, 140 K times; text_poke_early's PUSH CS, 34 K) gets a slot whose function has
      // the interpreter run that instruction, so that the dispatcher chains into it and goes on
      // after it (WasmTier.installInterpreted, classify.ts interpretedInDispatcher). The slot
      // runs it from the run loop too, so its JavaScript is built only if that code goes.
      const d = code.blocks[0].insns[0];
      const slot = wasmState && interpretedInDispatcher(d.op, d.info, d.reg) ? this.wasm!.installInterpreted(b) : null;
      if (slot !== null) {
        this.setModule(b, slot);
        b.fn = lazy;
        if (!hot) b.general = lazy;
      } else {
        try {
          js = build();
        } catch {
          // A page whose Content-Security-Policy forbids eval: interpret everything.
          this.noEval = true;
          b.fn = null;
          return null;
        }
        b.fn = js;
        if (!hot) b.general = js;
      }
    }
    b.size = (hot ? b.size : 0) + code.source.length;
    return code;
  }

  /**
   * Drops the blocks of physical page `page` translated from byte `address` (a write hit it);
   * the page stays marked in codePages while other blocks live there.
   */
  invalidateByte(page: number, address: number): void {
    const m = this.pages.get(page);
    const g = this.granules.get(page);
    if (m === undefined || g === undefined) return;
    if (g[(address & (PAGE_SIZE - 1)) >> 4] !== 0) {
      for (const [key, b] of m) {
        if (!Jit.covers(b, address)) continue;
        this.drop(b);
        m.delete(key);
        this.stats.invalidated++;
      }
    }
    if (m.size === 0) {
      this.pages.delete(page);
      this.granules.delete(page);
    } else {
      this.cpu.codePages[page] = 1;
    }
  }

  /** Drops every block of physical page `page` (the page was rewritten or remapped). */
  invalidatePage(page: number): void {
    const m = this.pages.get(page);
    if (m === undefined) return;
    for (const b of m.values()) {
      b.dead = true;
      this.setModule(b, null);
      this.stats.cacheBytes -= b.size;
    }
    this.stats.invalidated += m.size;
    this.liveBlocks -= m.size;
    this.stats.cacheBlocks = this.liveBlocks;
    this.pages.delete(page);
    this.granules.delete(page);
  }

  /** Drops the whole cache (size bound, or a caller that rewrote RAM behind the memory API). */
  flush(): void {
    for (const [page, m] of this.pages) {
      for (const b of m.values()) {
        b.dead = true;
        b.module = null; // releaseAll below
      }
      if (page < this.cpu.codePages.length) this.cpu.codePages[page] = 0;
    }
    this.pages.clear();
    this.granules.clear();
    for (const m of this.romBlocks.values()) {
      for (const b of m.values()) {
        b.dead = true;
        b.module = null;
      }
    }
    this.romBlocks.clear();
    this.wasm?.releaseAll();
    this.cache.fill(undefined);
    this.cacheTags.fill(-1);
    this.liveBlocks = 0;
    this.stats.cacheBlocks = 0;
    this.stats.cacheBytes = 0;
    this.stats.flushes++;
  }
}
