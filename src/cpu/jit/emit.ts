// Code generation: one guest basic block → the source of one JavaScript function `(c) => void`
// that does what the interpreter would do for those instructions, in the same order, on the
// same state (c.regs, lazy-flag fields, mmu.ts accessors), so interpreted and translated code
// interleave freely. Precise exceptions: before anything that can fault the code stores
// c.instStart, c.instructions (count before this instruction) and c.startEsp, which is all the
// run loop's fault path (interrupts.ts deliverFault) reads. Instructions without an inline
// emitter run through the interpreter's handler (fallback) with the decode fields it expects.
// A block returns 0 when nothing it did can change interrupt delivery, TF, the shadow or the
// budget (it ended at a branch, a page end or its size limit), 1 after an instruction that may.
import { REG8_OFFSET, Seg, ARITH_FLAGS } from '../state.js';
import { Tlb, tlbNeed } from '../paging.js';
import { Insn, decodeInsn } from './decode.js';
import { isPlain } from './classify.js';
import { emitInline, flagEffect } from './emit-inline.js';
import { fallbackRecord, type FallbackRecord } from './fallback.js';
import type { WasmBlock } from './emit-wasm.js';

/** Names the generated code sees (bound once per block by the factory; see jit.ts ENV_NAMES). */
export const ENV_NAMES = [
  'fb', 'jr8', 'jr16', 'jr32', 'jw8', 'jw16', 'jw32', 'jpush', 'jpop', 'jstack', 'setSp',
  'getCF', 'testCC', 'shift', 'raise',
] as const;

/** Translation-time state of the block being emitted. */
export class Emitter {
  readonly out: string[] = [];
  /** Index of the current instruction in the block. */
  k = 0;
  /** ESP may differ from the last c.startEsp stored by this block. */
  espDirty = true;
  /** Use inline emitters (false: every instruction through its handler; for differential tests). */
  inline = true;
  d: Insn = new Insn();
  /** EIP of the next instruction. */
  next = 0;
  /** The block's last flag producer so far (emit-inline.ts Producer) and its width. */
  producer = 0;
  producerBits = 32;
  producerSet = false;
  /** The block calls jit/mem.ts (which reads c.blockBase). */
  usesMem = false;
  /**
   * Hot regions (Jit.hotRuns): the RAM fast path of reads and writes is emitted inline for the
   * CPU state in `spec` (the function checks it at entry); null: every access calls jit/mem.ts.
   */
  spec: HotSpec | null = null;
  /**
   * Every flag this instruction writes is written again before anything reads a flag, faults
   * or leaves the block (translate's liveness pass): its emitter may skip storing them.
   */
  flagsDead = false;
  /** The block uses the locals of MEM_LOCALS. */
  usesInlineMem = false;
  /**
   * Bit s: segment s may take the flat fast path (flat in `spec`, and no instruction of the
   * region loads a segment register, so the entry check holds throughout); 0 = never.
   */
  flatSegs = 0;
  /** Segments whose accesses rely on being flat (the entry check tests exactly these). */
  flatUsed = 0;
  /**
   * Part of a region (translateRegion): constant jump targets become tokens that the assembly
   * turns into a jump inside the function or an exit.
   */
  region = false;
  /** Constant EIPs this block may jump to (in region mode). */
  readonly targets: number[] = [];

  /** `records`: the block function's D[i], the decode records of its fallback instructions. */
  constructor(readonly records: FallbackRecord[] = []) {}

  emit(s: string): void {
    this.out.push(s);
  }

  /** What the fault path needs, before an instruction that may fault or reach a device. */
  stores(): string {
    let s = `c.instStart=${this.d.eip};c.instructions=n+${this.k};`;
    if (this.espDirty) {
      s += 'c.startEsp=r[4]|0;';
      this.espDirty = false;
    }
    return s;
  }

  /**
   * The near-branch limit check (ops/control.ts jumpNear: #GP(0) when the target is beyond the
   * CS limit), with the fault-path stores only on the raising path. ESP is still the
   * instruction's starting ESP at every check (CALL checks before its push, RET before SP moves).
   */
  limitCheck(target: string): string {
    return `if(${target}>c.segLimit[1]){c.instStart=${this.d.eip};c.instructions=n+${this.k};c.startEsp=r[4]|0;raise(c,13,0);}`;
  }

  /** Leaves the block with EIP = the next instruction (after this one retired). */
  exitNext(): string {
    return `c.eip=${this.next};c.instructions=n+${this.k + 1};return 0;`;
  }

  /** Leaves the block for constant EIP `t` once `count` of its instructions have retired. */
  goto(t: number, count: number): string {
    if (!this.region) return `c.eip=${t};c.instructions=n+${count};return 0;`;
    this.targets.push(t);
    return `${GOTO}${t}:${count}${GOTO}`;
  }

  /**
   * Leaves the block for the EIP in local `v` (a RET's target) once `count` of its instructions
   * have retired; in a region, a target that is a member continues there.
   */
  gotoDynamic(v: string, count: number): string {
    if (!this.region) return `c.eip=${v};c.instructions=n+${count};return 0;`;
    return `${GOTO_DYNAMIC}${v}:${count}${GOTO_DYNAMIC}`;
  }

  /** After a store to memory: a write into this block's own page invalidated it. */
  smcCheck(): string {
    return `if(B.dead){${this.exitNext()}}`;
  }

  // ---- register access (ModRM register numbering) ----

  reg(bits: number, i: number): string {
    if (bits === 32) return `r[${i}]`;
    if (bits === 16) return `r16[${i << 1}]`;
    return `r8[${REG8_OFFSET[i]}]`;
  }

  setReg(bits: number, i: number, v: string): string {
    if (i === 4 && bits !== 8) this.espDirty = true;
    return `${this.reg(bits, i)}=${v};`;
  }

  /** The effective-address expression of the memory operand (offset wrapped to the address size). */
  ea(): string {
    const d = this.d;
    const parts: string[] = [];
    if (d.base >= 0) parts.push(`r[${d.base}]`);
    if (d.index >= 0) parts.push(d.a32 && d.scale !== 0 ? `(r[${d.index}]<<${d.scale})` : `r[${d.index}]`);
    if (d.disp !== 0 || parts.length === 0) parts.push(String(d.disp));
    if (!d.a32) return parts.length === 1 && d.base < 0 ? String(d.disp & 0xffff) : `((${parts.join('+')})&65535)`;
    return parts.length === 1 && d.base < 0 && d.index < 0 ? String(d.disp >>> 0) : `((${parts.join('+')})>>>0)`;
  }

  /** The effective address as an int32 expression (for jit/mem.ts, which takes offsets `|0`). */
  eaInt(): string {
    const d = this.d;
    if (!d.a32) return this.ea();
    const parts: string[] = [];
    if (d.base >= 0) parts.push(`r[${d.base}]`);
    if (d.index >= 0) parts.push(d.scale !== 0 ? `(r[${d.index}]<<${d.scale})` : `r[${d.index}]`);
    if (d.disp !== 0 || parts.length === 0) parts.push(String(d.disp | 0));
    return parts.length === 1 && d.base < 0 && d.index < 0 ? String(d.disp | 0) : `((${parts.join('+')})|0)`;
  }

  // ---- memory (jit/mem.ts): the fault-path stores happen inside, only off the fast path ----

  /** The instruction's EIP and index, the last arguments of every jit/mem.ts call. */
  private at(): string {
    this.usesMem = true;
    return `${this.d.eip | 0},${this.k}`;
  }

  /**
   * The physical RAM address of an aligned access at seg:$o (linear $l) when it needs no check
   * beyond jit/mem.ts readable()/writable(), else -1 (the helper then repeats every check).
   * With paging, one TlbState.fast entry holds the permission bit and Tlb.RAM; without, the
   * linear address is physical, looked up in pk. A flat segment (checked at entry) needs no
   * limit test.
   */
  private fastAddress(spec: HotSpec, bits: number, seg: number, off: string, write: boolean): string {
    const size = bits >> 3;
    this.usesInlineMem = true;
    const aligned = (x: string) => (size > 1 ? `(${x}&${size - 1})===0` : 'true');
    const need = tlbNeed(spec.user, write) | Tlb.RAM;
    const ram = (l: string) => spec.paging
      ? `((($e=tx[${l}>>>12])&${need})===${need}?($e&-4096)|(${l}&4095):-1)`
      : `(pk[(${l}&a20)>>>12]===1?${l}&a20:-1)`;
    if (((this.flatSegs >> seg) & 1) === 0) {
      const max = write ? 'sW' : 'sR';
      return `$o=(${off})>>>0;$l=(sB[${seg}]+$o)|0;$q=$o>=sM[${seg}]&&$o<=${max}[${seg}]-${size - 1}&&${aligned('$l')}?${ram('$l')}:-1;`;
    }
    this.flatUsed |= 1 << seg;
    return `$o=(${off})>>>0;$q=${aligned('$o')}?${ram('$o')}:-1;`;
  }

  /** Expression: a `bits` read at seg:off (`off` an int32 expression); dwords signed unless `unsigned`. */
  read(bits: number, seg: number, off: string, unsigned = false): string {
    let v = `jr${bits}(c,${seg},${off},${this.at()})`;
    if (this.spec !== null) {
      const fast = bits === 32 ? 'm32[$q>>>2]' : bits === 16 ? '(m8[$q]|(m8[$q+1]<<8))' : 'm8[$q]';
      // A sequence expression: the address statements, then the load or the helper.
      v = `(${this.fastAddress(this.spec, bits, seg, off, false).replace(/;/g, ',')}$q>=0?${fast}:jr${bits}(c,${seg},$o|0,${this.at()}))`;
    }
    return bits === 32 && unsigned ? `(${v}>>>0)` : v;
  }

  /** Statement: a `bits` store of `v` at seg:off. */
  write(bits: number, seg: number, off: string, v: string): string {
    if (this.spec === null) return `jw${bits}(c,${seg},${off},(${v})|0,${this.at()});`;
    const store = bits === 32 ? 'm32[$q>>>2]=$w;' : bits === 16 ? 'm8[$q]=$w;m8[$q+1]=$w>>>8;' : 'm8[$q]=$w;';
    return `{const $w=(${v})|0;${this.fastAddress(this.spec, bits, seg, off, true)}` +
      `if($q>=0&&cp[$q>>>12]===0){${store}dp[$q>>>12]=1;}else jw${bits}(c,${seg},$o|0,$w,${this.at()});}`;
  }

  /** Statement: PUSH `v` (16 or 32 bits by `o32`): the store, then SP (mmu.ts push16/push32). */
  push(o32: boolean, v: string): string {
    if (this.spec === null) return `jpush(c,${o32 ? 4 : 2},(${v})|0,${this.at()});`;
    return `{const $s=((r[4]-${o32 ? 4 : 2})&c.stackMask)>>>0;${this.write(o32 ? 32 : 16, Seg.SS, '$s|0', v)}setSp(c,$s);}`;
  }

  /** Expression: POP (dwords signed): the read, then SP (mmu.ts pop16/pop32s). */
  pop(o32: boolean): string {
    if (this.spec === null) return `jpop(c,${o32 ? 4 : 2},${this.at()})`;
    return `($s=(r[4]&c.stackMask)>>>0,$v=${this.read(o32 ? 32 : 16, Seg.SS, '$s|0')},setSp(c,$s+${o32 ? 4 : 2}),$v)`;
  }

  /** Expression: the stack at SP + delta, unsigned. */
  stackRead(o32: boolean, delta: number): string {
    if (this.spec === null) return `jstack(c,${o32 ? 4 : 2},${delta},${this.at()})`;
    return `($s=((r[4]+${delta})&c.stackMask)>>>0,${this.read(o32 ? 32 : 16, Seg.SS, '$s|0', true)})`;
  }

  /** Runs the instruction through HANDLERS[op], as the interpreter's loop would after decoding. */
  fallback(): void {
    const d = this.d;
    const o = this.out;
    o.push(this.stores());
    const i = this.records.push(fallbackRecord(d)) - 1;
    o.push(`fb(c,D[${i}],${d.hasModrm && !d.isReg ? this.ea() : 0});`);
    this.espDirty = true;
    this.producer = 0; // the handler may have set any flags
    if (isPlain(d)) {
      // A REP string instruction that restarts itself, or a handler that read more or fewer
      // bytes than the table says, leaves EIP elsewhere: the block stops there.
      o.push(`if(c.eip!==${this.next}||B.dead){c.instructions=n+${this.k + 1};return 0;}`);
    } else {
      o.push(`c.instructions=n+${this.k + 1};return 1;`);
    }
  }
}

/** Result of translating one block or region. */
export interface BlockCode {
  source: string;
  /** Instructions of the first block (the run loop's budget check before entry). */
  count: number;
  /** Highest EIP of the code's last bytes (the CS limit and fetch window must cover it). */
  lastEip: number;
  records: FallbackRecord[];
  /** Index and length in bytes of each block translated (the first, then a region's others). */
  ranges: number[];
  /** The blocks as decoded, for jit/emit-wasm.ts. */
  blocks: WasmBlock[];
}

/** Delimits a region jump token in a block body: GOTO target:count GOTO (Emitter.goto). */
const GOTO = '\u0001';
const GOTO_TOKEN = /\u0001(\d+):(\d+)\u0001/g;
/** Delimits a dynamic jump token: GOTO_DYNAMIC local:count GOTO_DYNAMIC (Emitter.gotoDynamic). */
const GOTO_DYNAMIC = '\u0002';
const GOTO_DYNAMIC_TOKEN = /\u0002(\w+):(\d+)\u0002/g;

/**
 * What the inline fast path reads, loaded once per entry: only instructions that end the block
 * change paging, CPL or A20; segment registers (POP DS, LES...) and the TLB (a walk in a slow
 * path) may change inside a block, so those stay array reads at each access.
 */
const MEM_LOCALS =
  'const sB=c.segBase,sM=c.segMin,sR=c.segRMax,sW=c.segWMax,tx=c.tlb.fast,pk=c.pageKind,cp=c.codePages,dp=c.dirtyPages,' +
  'm8=c.ram,m32=c.ram32,a20=c.a20Mask;let $o=0,$l=0,$q=0,$s=0,$v=0,$e=0;';

/** The CPU state a hot region's inline memory accesses are specialised to. */
export interface HotSpec {
  paging: boolean;
  /** CPL 3 (Cpu.user). */
  user: boolean;
  /** Segments flat when the region was translated (bit per Seg): their accesses skip the limit test. */
  flat: number;
}

/** The segment caches the translators' specialisation reads. */
export interface SegmentCaches {
  segBase: ArrayLike<number>;
  segMin: ArrayLike<number>;
  segRMax: ArrayLike<number>;
  segWMax: ArrayLike<number>;
}

/** Segment s has 4 GiB limits: min 0, read and write max 4 GiB - 1 (any base). */
export function hasFlatLimits(c: SegmentCaches, s: number): boolean {
  return c.segMin[s] === 0 && c.segRMax[s] === 0xffffffff && c.segWMax[s] === 0xffffffff;
}

/** The segments (ES..GS) with 4 GiB read and write limits, any base. */
export function limitsFlat(c: SegmentCaches): number {
  let m = 0;
  for (let s = 0; s < 6; s++) if (hasFlatLimits(c, s)) m |= 1 << s;
  return m;
}

/** The segments among ES, SS, DS that are flat: base 0 and 4 GiB limits. */
export function flatSegments(c: SegmentCaches): number {
  let flat = 0;
  for (let s = 0; s < 6; s++) {
    if (c.segBase[s] === 0 && hasFlatLimits(c, s)) flat |= 1 << s;
  }
  return flat & FLAT_CANDIDATES;
}

/**
 * 1 for each instruction whose flag writes are all dead: overwritten by later instructions of
 * the block before any flag is read, anything faults or the block ends (flags are then exact
 * wherever the guest or the fault path can see them). emit-inline.ts flagEffect() says what
 * each instruction reads and writes; -1 (unknown) makes every flag live.
 */
function deadFlagWrites(insns: Insn[]): Uint8Array {
  const dead = new Uint8Array(insns.length);
  let live = ARITH_FLAGS; // at the block's end (or wherever decoding stopped)
  for (let i = insns.length - 1; i >= 0; i--) {
    const fx = flagEffect(insns[i]);
    if (fx < 0) {
      live = ARITH_FLAGS;
      continue;
    }
    const writes = fx & 0xffff;
    if (writes !== 0 && (writes & live) === 0) dead[i] = 1;
    live = (live & ~writes) | (fx >>> 16);
  }
  return dead;
}

/** ES, SS, DS: the segments a flat-model guest leaves at base 0 and 4 GiB limits (FS/GS hold per-CPU bases). */
const FLAT_CANDIDATES = (1 << Seg.ES) | (1 << Seg.SS) | (1 << Seg.DS);

/** Instructions that load a data segment register and let the block go on (classify.ts). */
function loadsSegment(d: Insn): boolean {
  return loadsSegmentOp(d.op);
}

/** loadsSegment for opcode `op` (0x1xx: 0F xx). */
export function loadsSegmentOp(op: number): boolean {
  return op === 0x07 || op === 0x17 || op === 0x1f || op === 0x8e || op === 0xc4 || op === 0xc5 ||
    op === 0x1a1 || op === 0x1a9 || op === 0x1b2 || op === 0x1b4 || op === 0x1b5;
}

/**
 * Entry test of a hot region's specialisation: the paging state and privilege of `spec`, and
 * each segment in `flat` flat (base 0, min 0, read and write max 4 GiB - 1). Otherwise the
 * block's general translation C runs instead.
 */
function specCheck(spec: HotSpec, flat: number): string {
  const parts = [`c.paging===${spec.paging}`, `c.user===${spec.user}`];
  for (let s = 0; s < 6; s++) {
    if (((flat >> s) & 1) !== 0) parts.push(`sB[${s}]===0&&sM[${s}]===0&&sR[${s}]===4294967295&&sW[${s}]===4294967295`);
  }
  return `if(!(${parts.join('&&')}))return C(c);`;
}

/** Longest block, in instructions (bounds function size and compile time). */
const MAX_INSNS = 64;
/** How far a region may grow. */
export interface RegionLimits {
  /** Blocks and instructions. */
  blocks: number;
  insns: number;
  /** Generated JavaScript source (characters); a block that jumps back to the entry may take it to `loopSource`. */
  source: number;
  loopSource: number;
}

/**
 * Regions run as JavaScript: V8's compile time grows with the function, and it optimizes no
 * function over 60 KiB of bytecode (--max-optimized-bytecode-size; such a region ran 8× slower
 * than its blocks). On the boot, regions up to 8000 characters ran the XZ decompressor ~10 %
 * faster than single blocks, larger ones cost more compile time than they saved
 * (src/cpu/README.md). A loop split between two functions bounces through the dispatcher on
 * every iteration (the guest's sha256 round, 54 + 9 instructions, twice per round: 16 M
 * entries for 8 MiB hashed), hence the larger bound for a block that jumps back to the entry.
 */
export const JS_REGION: RegionLimits = { blocks: 16, insns: 256, source: 8000, loopSource: 12000 };

/**
 * Regions run as WebAssembly (jit/emit-wasm.ts): their JavaScript is built only if the CPU
 * leaves the state the module was made for (and then calls the block's own translation at
 * once), so only the module's size counts. Every exit costs a trip through the run loop and
 * the entry glue: on the XZ decompressor (bench/cpu-linux.js 300M-1.5G) regions of up to 32
 * blocks ran 1.7× faster than with the JavaScript bounds (3.1-3.5 s against 5.8 s), 20 blocks
 * 1.3×, 48 and 96 blocks slower than 32 (Liftoff code for big functions, TurboFan later).
 */
export const WASM_REGION: RegionLimits = { blocks: 32, insns: 512, source: Infinity, loopSource: Infinity };

/** One block's body as translated, before assembly into a function. */
interface BlockBody {
  eip: number;
  /** Index of the first byte in the code array. */
  at: number;
  body: string;
  count: number;
  lastEip: number;
  usesMem: boolean;
  usesInlineMem: boolean;
  flatUsed: number;
  loadsSegment: boolean;
  targets: number[];
  /** The instructions translated and their dead-flag marks (emit-wasm.ts translates the same). */
  insns: Insn[];
  dead: Uint8Array;
}

/** How emitBlock translates. */
interface EmitOptions {
  inline: boolean;
  /** Inline memory fast path for this state (hot regions), or null. */
  spec: HotSpec | null;
  /** ES/SS/DS may take the flat fast path if the block loads no segment register. */
  flatAllowed: boolean;
  region: boolean;
}

/** Translates one block at code[at...] (see translate); `records` collects its fallback records. */
function emitBlock(code: Uint8Array, at: number, end: number, eip: number, big: boolean, o: EmitOptions, records: FallbackRecord[]): BlockBody | null {
  const e = new Emitter(records);
  const inline = o.inline;
  e.inline = inline;
  e.spec = o.spec;
  e.region = o.region;
  // Decode first (as far as a block could go), then mark dead flag writes from the end backwards.
  const insns: Insn[] = [];
  for (let pos = at, ip = eip; insns.length < MAX_INSNS; ) {
    const d = new Insn();
    if (!decodeInsn(code, pos, end, ip, big, d)) break;
    insns.push(d);
    pos += d.len;
    ip += d.len;
  }
  const dead = inline ? deadFlagWrites(insns) : null;
  const segLoad = insns.some(loadsSegment);
  if (o.spec !== null && o.flatAllowed && !segLoad) e.flatSegs = o.spec.flat;
  let ip = eip;
  let ended = false;
  while (e.k < insns.length) {
    const d = (e.d = insns[e.k]);
    e.next = ip + d.len; // no wrap: the CS limit check at entry covers the whole block
    e.flagsDead = dead !== null && dead[e.k] === 1;
    let r = inline && !d.lock ? emitInline(e) : 0;
    if (r === 0) {
      e.fallback();
      r = isPlain(d) ? 1 : 2;
    }
    ip += d.len;
    e.k++;
    if (r === 2) {
      ended = true;
      break;
    }
  }
  if (e.k === 0) return null;
  if (!ended) e.emit(e.goto(ip, e.k));
  return {
    eip, at, body: e.out.join(''), count: e.k, lastEip: ip - 1, usesMem: e.usesMem, usesInlineMem: e.usesInlineMem,
    flatUsed: e.flatUsed, loadsSegment: segLoad, targets: e.targets,
    insns: insns.slice(0, e.k), dead: dead ?? new Uint8Array(e.k),
  };
}

/** The function body's opening: register views, `n` (or N), the fast path's locals and entry test. */
function prologue(blocks: BlockBody[], count: string, spec: HotSpec | null): string {
  let flat = 0;
  for (const b of blocks) flat |= b.flatUsed;
  const mem = spec !== null && blocks.some((b) => b.usesInlineMem) ? MEM_LOCALS + specCheck(spec, flat) : '';
  return `const r=c.regs,r16=c.r16,r8=c.r8,${count}=c.instructions;${mem}\n`;
}

/**
 * Translates the instructions at code[at...] (EIP `eip`, all in one 4 KiB page: `end` is the
 * page end) into a function body. Returns null when not even the first instruction fits.
 */
export function translate(code: Uint8Array, at: number, end: number, eip: number, big: boolean, inline: boolean): BlockCode | null {
  const records: FallbackRecord[] = [];
  const b = emitBlock(code, at, end, eip, big, { inline, spec: null, flatAllowed: false, region: false }, records);
  if (b === null) return null;
  return {
    source: prologue([b], 'n', null) + (b.usesMem ? 'c.blockBase=n;' : '') + b.body,
    count: b.count, lastEip: b.lastEip, records, ranges: [at, b.lastEip - eip + 1], blocks: wasmBlocks([b]),
  };
}

/**
 * A hot region: the block at `eip` and the blocks of the same page it reaches through constant
 * jumps (Jcc, JMP, CALL and the address after it, falling off a block's end) for which
 * `include(eip)` holds, as one function looping over a switch on the block's offset from `eip`.
 * A jump between them (a RET too, when its target is one) stays in the function; any other
 * exit leaves as the block would. Each block keeps its own boundary (the run loop's budget
 * check before it, its instruction count), so the guest sees the same instruction counts as
 * with one function per block. Memory accesses take the RAM fast path inline, specialised to
 * `spec`; the function calls C (the block's general translation) when the CPU is not in that
 * state.
 */
export function translateRegion(code: Uint8Array, at: number, end: number, eip: number, big: boolean, inline: boolean,
  spec: HotSpec, include: (eip: number, at: number) => boolean, limits: RegionLimits = JS_REGION): BlockCode | null {
  const start = at - (at & 0xfff);
  const collect = (flatAllowed: boolean, records: FallbackRecord[], only: number[] | null): BlockBody[] | null => {
    const blocks: BlockBody[] = [];
    const queue = only ?? [eip];
    const seen = new Set<number>(queue);
    let insns = 0;
    let size = 0;
    for (let i = 0; i < queue.length; i++) {
      const t = queue[i];
      const b = emitBlock(code, at + (t - eip), end, t, big, { inline, spec, flatAllowed, region: true }, records);
      const limit = b !== null && b.targets.includes(eip) ? limits.loopSource : limits.source;
      if (b === null || (i > 0 && only === null && size + b.body.length > limit)) {
        if (i === 0) return null;
        continue;
      }
      blocks.push(b);
      insns += b.count;
      size += b.body.length;
      if (only !== null) continue;
      for (const u of b.targets) {
        const ua = at + (u - eip);
        if (seen.has(u) || ua < start || ua >= end || seen.size >= limits.blocks || insns >= limits.insns || !include(u, ua)) continue;
        seen.add(u);
        queue.push(u);
      }
    }
    return blocks;
  };
  let records: FallbackRecord[] = [];
  let blocks = collect(false, records, null);
  if (blocks === null) return null;
  // The flat-segment test at entry holds throughout only if no block loads a segment register.
  if (!blocks.some((b) => b.loadsSegment)) {
    records = [];
    blocks = collect(true, records, blocks.map((b) => b.eip))!;
  }
  const members = new Set(blocks.map((b) => b.eip));
  const resolve = (_: string, target: string, count: string) => {
    const t = Number(target);
    return members.has(t) ? `j+=${count};p=${t - eip};continue L;` : `c.eip=${t};c.instructions=n+${count};return 0;`;
  };
  // A dynamic target within the members' offsets continues at its case (the default case
  // leaves when no member starts there); p stays a small integer.
  const offsets = blocks.map((b) => b.eip - eip);
  const lo = Math.min(...offsets);
  const hi = Math.max(...offsets);
  const resolveDynamic = (_: string, v: string, count: string) =>
    `{const q=${v}-${eip};if(q>=${lo}&&q<=${hi}){j+=${count};p=q;continue L;}}c.eip=${v};c.instructions=n+${count};return 0;`;
  // N: the count at entry; j: instructions retired since (an int32); each case's `n` is the
  // count at its block's start, as a block function's is.
  const cases = blocks.map((b) =>
    `case ${b.eip - eip}:{const n=N+j;if(n+${b.count}>c.stopAt){c.eip=${b.eip};c.instructions=n;return 0;}` +
    `${b.usesMem ? 'c.blockBase=n;' : ''}${b.body.replace(GOTO_TOKEN, resolve).replace(GOTO_DYNAMIC_TOKEN, resolveDynamic)}}\n`);
  const ranges: number[] = [];
  for (const b of blocks) ranges.push(b.at, b.lastEip - b.eip + 1);
  return {
    source: `${prologue(blocks, 'N', spec)}let p=0,j=0;L:for(;;){switch(p){\n${cases.join('')}default:c.eip=${eip}+p;c.instructions=N+j;return 0;}}`,
    count: blocks[0].count,
    lastEip: Math.max(...blocks.map((b) => b.lastEip)),
    records,
    ranges,
    blocks: wasmBlocks(blocks),
  };
}

function wasmBlocks(blocks: BlockBody[]): WasmBlock[] {
  return blocks.map((b) => ({ eip: b.eip, insns: b.insns, dead: b.dead, end: b.lastEip + 1 }));
}
