// Two-level paging with 4 KiB pages and (CR4.PSE) 4 MiB pages, accessed/dirty bits, CR0.WP,
// #PF error codes and CR2 (SDM Vol. 3A §4.3, §4.6, §4.7, §4.8), behind a TLB of typed arrays:
// per linear page the physical page base and what the cached translation permits.
// TODO(issue 8): PAE (CR4.PAE, 64-bit entries, NX).
import type { Cpu } from './cpu.js';
import { Cr0, Vec } from './state.js';
import { raise } from './interrupts.js';

/** TLB permission bits, per linear page. An access whose bit is clear walks the page tables. */
export const enum Tlb {
  SUP_READ = 1,
  /** Supervisor write allowed and the dirty bit already set. */
  SUP_WRITE = 2,
  USER_READ = 4,
  USER_WRITE = 8,
}

const PAGES = 1 << 20;
/** Entries remembered for a cheap flush; beyond this a flush clears the whole table. */
const USED_MAX = 4096;

/** The translation cache of one CPU. */
export class TlbState {
  readonly phys = new Int32Array(PAGES);
  readonly flags = new Uint8Array(PAGES);
  private readonly used = new Int32Array(USED_MAX);
  private usedCount = 0;
  private overflow = false;

  fill(page: number, physBase: number, flags: number): void {
    if (this.flags[page] === 0) {
      if (this.usedCount < USED_MAX) this.used[this.usedCount++] = page;
      else this.overflow = true;
    }
    this.phys[page] = physBase;
    this.flags[page] = flags;
  }

  invalidate(page: number): void {
    this.flags[page] = 0;
  }

  /** Forgets every translation (CR3 writes, CR0/CR4 paging bit changes). */
  flush(): void {
    if (this.overflow) {
      this.flags.fill(0);
      this.overflow = false;
    } else {
      for (let i = 0; i < this.usedCount; i++) this.flags[this.used[i]] = 0;
    }
    this.usedCount = 0;
  }
}

/**
 * Translates linear `lin` for an access (`write`; `user` = CPL 3 and not an implicit system
 * access), walking the tables on a TLB miss. Returns the physical address; raises #PF.
 */
export function translate(c: Cpu, lin: number, write: boolean, user: boolean): number {
  const page = lin >>> 12;
  const need = user ? (write ? Tlb.USER_WRITE : Tlb.USER_READ) : write ? Tlb.SUP_WRITE : Tlb.SUP_READ;
  if ((c.tlb.flags[page] & need) === 0) walk(c, lin, write, user);
  return (c.tlb.phys[page] | (lin & 0xfff)) >>> 0;
}

const P = 1;
const RW = 2;
const US = 4;
const A = 0x20;
const D = 0x40;
const PS = 0x80;

/** Page walk (SDM Vol. 3A §4.3, Figure 4-2 and Tables 4-5/4-6): fills the TLB or raises #PF. */
function walk(c: Cpu, lin: number, write: boolean, user: boolean): void {
  const mem = c.mem;
  const pdeAddr = ((c.cr[3] & 0xfffff000) + ((lin >>> 22) << 2)) >>> 0;
  let pde = mem.read32(pdeAddr);
  if ((pde & P) === 0) pageFault(c, lin, 0, write, user);
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
  } else {
    const pteAddr = ((pde & 0xfffff000) + (((lin >>> 12) & 0x3ff) << 2)) >>> 0;
    let pte = mem.read32(pteAddr);
    if ((pte & P) === 0) pageFault(c, lin, 0, write, user);
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
  }
  const wp = (c.cr[0] & Cr0.WP) !== 0;
  let flags = Tlb.SUP_READ;
  if (dirty && (rw || !wp)) flags |= Tlb.SUP_WRITE;
  if (us) flags |= Tlb.USER_READ;
  if (us && rw && dirty) flags |= Tlb.USER_WRITE;
  c.tlb.fill(lin >>> 12, physBase | 0, flags);
}

/** Protection check of a present translation; a violation is #PF with P=1. */
function checkAccess(c: Cpu, lin: number, write: boolean, user: boolean, rw: boolean, us: boolean): void {
  if (user && !us) pageFault(c, lin, 1, write, user);
  if (write && !rw && (user || (c.cr[0] & Cr0.WP) !== 0)) pageFault(c, lin, 1, write, user);
}

/** #PF: CR2 = the linear address; error code P | W/R | U/S (SDM Vol. 3A §4.7). */
function pageFault(c: Cpu, lin: number, p: number, write: boolean, user: boolean): never {
  c.cr[2] = lin >>> 0;
  return raise(c, Vec.PF, p | (write ? 2 : 0) | (user ? 4 : 0));
}
