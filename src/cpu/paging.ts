// Paging behind a TLB of typed arrays (per linear page: the physical page base and what the
// cached translation permits): two-level paging with 4 KiB and (CR4.PSE) 4 MiB pages, and PAE
// paging (CR4.PAE) with 64-bit entries, 2 MiB pages and execute-disable (EFER.NXE);
// accessed/dirty bits, CR0.WP, #PF error codes and CR2 (SDM Vol. 3A §4.3, §4.4, §4.6-4.8).
// Physical addresses above 4 GiB are not backed by this machine: such entries map nothing.
import type { Cpu } from './cpu.js';
import { PageKind } from '../memory/physical-memory.js';
import { Cr0, Vec } from './state.js';
import { raise } from './interrupts.js';

/** TLB permission bits, per linear page. An access whose bit is clear walks the page tables. */
export const enum Tlb {
  SUP_READ = 1,
  /** Supervisor write allowed and the dirty bit already set. */
  SUP_WRITE = 2,
  USER_READ = 4,
  USER_WRITE = 8,
  /** Execute-disable: instruction fetches walk the tables (and fault). */
  NX = 16,
  /** TlbState.fast only: the physical page is RAM (as of the fill; see Cpu.flushFetch). */
  RAM = 32,
}

/** The TLB permission bit an access needs (SUP_/USER_ READ or WRITE). */
export function tlbNeed(user: boolean, write: boolean): number {
  return user ? (write ? Tlb.USER_WRITE : Tlb.USER_READ) : write ? Tlb.SUP_WRITE : Tlb.SUP_READ;
}

/** TLB flags `f` allow an instruction fetch without a walk: readable at this privilege, not NX. */
export function tlbFetchable(f: number, user: boolean): boolean {
  return (f & tlbNeed(user, false)) !== 0 && (f & Tlb.NX) === 0;
}

/** Linear 4 KiB pages: the TLB has one entry per page. */
export const TLB_PAGES = 1 << 20;
const PAGES = TLB_PAGES;
/** Entries remembered per list for a cheap flush; beyond this a flush clears the whole table. */
const USED_MAX = 4096;

/** The translation cache of one CPU. */
export class TlbState {
  readonly phys = new Int32Array(PAGES);
  readonly flags = new Uint8Array(PAGES);
  /**
   * One load for translated code's hot path (jit/emit.ts): the physical page base with A20
   * applied, the permission bits and Tlb.RAM when that page is RAM; 0 when not cached. Stale
   * when the memory map or A20 changes: the CPU flushes the TLB then (Cpu.flushFetch).
   */
  readonly fast: Int32Array;
  /** 1: the translation came from a global entry (G set, CR4.PGE on) and survives CR3 writes. */
  private readonly global = new Uint8Array(PAGES);
  /**
   * The pages filled since the last flush, in two lists: a CR3 load walks only the non-global
   * one (Linux's kernel mappings are global: ~1000 of them were walked at every context switch).
   * Every cached page is in at least one list; stale and repeated entries are harmless.
   */
  private readonly local = new Int32Array(USED_MAX);
  private localCount = 0;
  private readonly globals = new Int32Array(USED_MAX);
  private globalCount = 0;
  private overflow = false;
  /** Flushes so far (whole or non-global): jit/wasm-tier.ts does not count translated code's first bail-out after one (a TLB miss) against it. */
  flushes = 0;

  /** `fast`: where to keep TlbState.fast (the CPU area of a WebAssembly memory); a new array otherwise. */
  constructor(fast?: Int32Array) {
    this.fast = fast ?? new Int32Array(PAGES);
  }

  fill(page: number, physBase: number, flags: number, ram: boolean, a20Mask: number, global: boolean): void {
    // A page already cached stays listed where it is, unless it stops being global: then the
    // non-global list must hold it too, or a CR3 load would keep it.
    if (this.flags[page] === 0 || (!global && this.global[page] === 1)) {
      if (global) this.listGlobal(page);
      else if (this.localCount < USED_MAX) this.local[this.localCount++] = page;
      else this.overflow = true;
    }
    this.phys[page] = physBase;
    this.flags[page] = flags;
    this.global[page] = global ? 1 : 0;
    this.fast[page] = ram ? (physBase & a20Mask & ~0xfff) | flags | Tlb.RAM : 0;
  }

  invalidate(page: number): void {
    this.flags[page] = 0;
    this.fast[page] = 0;
    this.global[page] = 0;
  }

  /** Forgets every translation, global ones too (CR4, CR0 paging bits and EFER writes, A20 or memory-map changes, reset). */
  flush(): void {
    this.flushes++;
    if (this.overflow) {
      this.flags.fill(0);
      this.fast.fill(0);
      this.global.fill(0);
      this.overflow = false;
    } else {
      for (let i = 0; i < this.localCount; i++) this.invalidate(this.local[i]);
      for (let i = 0; i < this.globalCount; i++) this.invalidate(this.globals[i]);
    }
    this.localCount = 0;
    this.globalCount = 0;
  }

  /**
   * A CR3 load (MOV or task switch): forgets every translation except global ones (SDM Vol. 3A
   * §4.10.4.1). Linux marks its kernel mappings global, so they stay cached across context
   * switches. When more pages were filled than the lists hold, everything goes (allowed).
   */
  flushNonGlobal(): void {
    if (this.overflow) {
      this.flush();
      return;
    }
    this.flushes++;
    const n = this.localCount;
    this.localCount = 0;
    for (let i = 0; i < n; i++) {
      const p = this.local[i];
      // Filled non-global, then again as global (without an INVLPG between): keep it, listed with the global ones.
      if (this.global[p] === 1 && this.flags[p] !== 0) this.listGlobal(p);
      else this.invalidate(p);
    }
  }

  private listGlobal(page: number): void {
    if (this.globalCount === USED_MAX) this.compactGlobals();
    if (this.globalCount < USED_MAX) this.globals[this.globalCount++] = page;
    else this.overflow = true;
  }

  /** Drops the global list's entries that are no longer cached global pages, and repeats (INVLPG and refill list a page again). */
  private compactGlobals(): void {
    let kept = 0;
    for (let i = 0; i < this.globalCount; i++) {
      const p = this.globals[i];
      if (this.global[p] === 1 && this.flags[p] !== 0) {
        this.globals[kept++] = p;
        this.global[p] = 2; // seen: a repeat is dropped
      }
    }
    for (let i = 0; i < kept; i++) this.global[this.globals[i]] = 1;
    this.globalCount = kept;
  }
}

/**
 * Translates linear `lin` for an access (`write`; `user` = CPL 3 and not an implicit system
 * access), walking the tables on a TLB miss. Returns the physical address; raises #PF.
 */
export function translate(c: Cpu, lin: number, write: boolean, user: boolean): number {
  const page = lin >>> 12;
  const need = tlbNeed(user, write);
  if ((c.tlb.flags[page] & need) === 0) walk(c, lin, write, user, false);
  return (c.tlb.phys[page] | (lin & 0xfff)) >>> 0;
}

/** Translation for an instruction fetch: like a read, and execute-disable pages fault (I/D = 1). */
export function translateFetch(c: Cpu, lin: number, user: boolean): number {
  const page = lin >>> 12;
  if (!tlbFetchable(c.tlb.flags[page], user)) walk(c, lin, false, user, true);
  return (c.tlb.phys[page] | (lin & 0xfff)) >>> 0;
}

/**
 * translateFetch() without raising: the physical address, or -1 where the fetch would fault (the
 * walk faults before it writes an accessed bit, so a miss leaves only CR2 and the fault fields,
 * which are put back). For the translator's lookup, which walks where the next fetch would.
 */
export function probeFetch(c: Cpu, lin: number, user: boolean): number {
  const cr2 = c.cr[2];
  const vector = c.faultVector;
  const code = c.faultCode;
  try {
    return translateFetch(c, lin, user);
  } catch (e) {
    if (e !== c.fault) throw e;
    c.cr[2] = cr2;
    c.faultVector = vector;
    c.faultCode = code;
    return -1;
  }
}

const P = 1;
const RW = 2;
const US = 4;
const A = 0x20;
const D = 0x40;
const PS = 0x80;
const G = 0x100;

/** Page walk (SDM Vol. 3A §4.3, Figure 4-2 and Tables 4-5/4-6): fills the TLB or raises #PF. */
function walk(c: Cpu, lin: number, write: boolean, user: boolean, fetch: boolean): void {
  if ((c.cr[4] & CR4_PAE) !== 0) {
    walkPae(c, lin, write, user, fetch);
    return;
  }
  const mem = c.mem;
  const pdeAddr = ((c.cr[3] & 0xfffff000) + ((lin >>> 22) << 2)) >>> 0;
  let pde = mem.read32(pdeAddr);
  let leaf: number; // the entry that maps the page (its G bit counts)
  if ((pde & P) === 0) pageFault(c, lin, 0, write, user, false);
  let physBase: number;
  let rw: boolean;
  let us: boolean;
  let dirty: boolean;
  if ((pde & PS) !== 0 && (c.cr[4] & 0x10) !== 0) {
    // 4 MiB page: the PDE maps it directly.
    rw = (pde & RW) !== 0;
    us = (pde & US) !== 0;
    checkAccess(c, lin, write, user, rw, us);
    const want = A | (write ? D : 0);
    if ((pde & want) !== want) {
      pde |= want;
      mem.write32(pdeAddr, pde);
    }
    dirty = (pde & D) !== 0;
    physBase = (pde & 0xffc00000) + (lin & 0x3ff000);
    leaf = pde;
  } else {
    const pteAddr = ((pde & 0xfffff000) + (((lin >>> 12) & 0x3ff) << 2)) >>> 0;
    let pte = mem.read32(pteAddr);
    if ((pte & P) === 0) pageFault(c, lin, 0, write, user, false);
    rw = (pde & RW) !== 0 && (pte & RW) !== 0;
    us = (pde & US) !== 0 && (pte & US) !== 0;
    checkAccess(c, lin, write, user, rw, us);
    if ((pde & A) === 0) mem.write32(pdeAddr, pde | A);
    const want = A | (write ? D : 0);
    if ((pte & want) !== want) {
      pte |= want;
      mem.write32(pteAddr, pte);
    }
    dirty = (pte & D) !== 0;
    physBase = pte & 0xfffff000;
    leaf = pte;
  }
  const wp = (c.cr[0] & Cr0.WP) !== 0;
  let flags = Tlb.SUP_READ;
  if (dirty && (rw || !wp)) flags |= Tlb.SUP_WRITE;
  if (us) flags |= Tlb.USER_READ;
  if (us && rw && dirty) flags |= Tlb.USER_WRITE;
  fillTlb(c, lin, physBase | 0, flags, leaf);
}

export const CR4_PAE = 1 << 5;
export const CR4_PGE = 1 << 7;
/** EFER.NXE (MSR C0000080h bit 11): bit 63 of PAE entries is execute-disable, not reserved. */
export const EFER_NXE = 1 << 11;

/**
 * Loads the four PDPTEs on a CR3 write (or when PAE paging turns on): a present PDPTE with
 * reserved bits set is #GP(0) at that MOV (SDM Vol. 3A §4.4.1).
 */
export function loadPdptes(c: Cpu): void {
  const base = (c.cr[3] & 0xffffffe0) >>> 0;
  for (let i = 0; i < 4; i++) {
    const lo = c.mem.read32(base + i * 8);
    const hi = c.mem.read32(base + i * 8 + 4);
    if ((lo & P) !== 0 && ((lo & 0x1e6) !== 0 || (hi & 0xfffffff0) !== 0)) raise(c, Vec.GP, 0);
    c.pdpte[i] = lo;
  }
}

/** PAE walk: PDPTE (held in c.pdpte) → 64-bit PDE → 64-bit PTE (SDM Vol. 3A §4.4.2, Tables 4-8..4-11). */
function walkPae(c: Cpu, lin: number, write: boolean, user: boolean, fetch: boolean): void {
  const mem = c.mem;
  const nxe = (c.efer & EFER_NXE) !== 0;
  const pdpte = c.pdpte[lin >>> 30];
  if ((pdpte & P) === 0) pageFault(c, lin, 0, write, user, fetch && nxe);
  const pdeAddr = ((pdpte & 0xfffff000) + (((lin >>> 21) & 0x1ff) << 3)) >>> 0;
  let pde = mem.read32(pdeAddr);
  const pdeHi = mem.read32(pdeAddr + 4);
  if ((pde & P) === 0) pageFault(c, lin, 0, write, user, fetch && nxe);
  // Bits 62:36 are reserved (36-bit physical addresses), and bit 63 unless EFER.NXE.
  const reservedHi = nxe ? 0x7ffffff0 : 0xfffffff0;
  if ((pdeHi & reservedHi) !== 0) pageFault(c, lin, 1 | 8, write, user, fetch && nxe);
  let nx = nxe && (pdeHi & 0x80000000) !== 0;
  let leaf: number;
  let rw: boolean;
  let us: boolean;
  let dirty: boolean;
  let physBase: number;
  if ((pde & PS) !== 0) {
    if ((pde & 0x1fe000) !== 0) pageFault(c, lin, 1 | 8, write, user, fetch && nxe); // 2 MiB: bits 20:13 reserved
    rw = (pde & RW) !== 0;
    us = (pde & US) !== 0;
    checkAccess(c, lin, write, user, rw, us);
    if (fetch && nx) pageFault(c, lin, 1, false, user, true);
    const want = A | (write ? D : 0);
    if ((pde & want) !== want) {
      pde |= want;
      mem.write32(pdeAddr, pde);
    }
    dirty = (pde & D) !== 0;
    physBase = pdeHi !== 0 && (pdeHi & 0xf) !== 0 ? -1 : (pde & 0xffe00000) + (lin & 0x1ff000);
    leaf = pde;
  } else {
    const pteAddr = ((pde & 0xfffff000) + (((lin >>> 12) & 0x1ff) << 3)) >>> 0;
    let pte = mem.read32(pteAddr);
    const pteHi = mem.read32(pteAddr + 4);
    if ((pte & P) === 0) pageFault(c, lin, 0, write, user, fetch && nxe);
    if ((pteHi & reservedHi) !== 0) pageFault(c, lin, 1 | 8, write, user, fetch && nxe);
    nx = nx || (nxe && (pteHi & 0x80000000) !== 0);
    rw = (pde & RW) !== 0 && (pte & RW) !== 0;
    us = (pde & US) !== 0 && (pte & US) !== 0;
    checkAccess(c, lin, write, user, rw, us);
    if (fetch && nx) pageFault(c, lin, 1, false, user, true);
    if ((pde & A) === 0) mem.write32(pdeAddr, pde | A);
    const want = A | (write ? D : 0);
    if ((pte & want) !== want) {
      pte |= want;
      mem.write32(pteAddr, pte);
    }
    dirty = (pte & D) !== 0;
    physBase = (pteHi & 0xf) !== 0 ? -1 : pte & 0xfffff000;
    leaf = pte;
  }
  const wp = (c.cr[0] & Cr0.WP) !== 0;
  let flags = Tlb.SUP_READ;
  if (dirty && (rw || !wp)) flags |= Tlb.SUP_WRITE;
  if (us) flags |= Tlb.USER_READ;
  if (us && rw && dirty) flags |= Tlb.USER_WRITE;
  if (nx) flags |= Tlb.NX;
  // Above 4 GiB: point at the top page, which is never RAM (reads as open bus).
  fillTlb(c, lin, physBase < 0 ? 0xfffff000 | 0 : physBase | 0, flags, leaf);
}

/**
 * Caches the translation of `lin`'s page (both TLB views: jit/emit.ts reads TlbState.fast);
 * global when the mapping entry `leaf` has G (bit 8) and CR4.PGE is on (SDM Vol. 3A §4.10.2.4).
 */
function fillTlb(c: Cpu, lin: number, physBase: number, flags: number, leaf: number): void {
  const global = (leaf & G) !== 0 && (c.cr[4] & CR4_PGE) !== 0;
  c.tlb.fill(lin >>> 12, physBase, flags, c.pageKind[((physBase & c.a20Mask) >>> 12)] === PageKind.Ram, c.a20Mask, global);
}

/** Protection check of a present translation; a violation is #PF with P=1. */
function checkAccess(c: Cpu, lin: number, write: boolean, user: boolean, rw: boolean, us: boolean): void {
  if (user && !us) pageFault(c, lin, 1, write, user, false);
  if (write && !rw && (user || (c.cr[0] & Cr0.WP) !== 0)) pageFault(c, lin, 1, write, user, false);
}

/** #PF: CR2 = the linear address; error code P/RSVD | W/R | U/S | I/D (SDM Vol. 3A §4.7). */
function pageFault(c: Cpu, lin: number, bits: number, write: boolean, user: boolean, fetch: boolean): never {
  c.cr[2] = lin >>> 0;
  return raise(c, Vec.PF, bits | (write ? 2 : 0) | (user ? 4 : 0) | (fetch ? 16 : 0));
}
