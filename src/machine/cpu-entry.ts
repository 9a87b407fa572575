// Applies a loader's entry plan (src/boot/entry.ts) to the CPU: registers, segment caches,
// descriptor tables and CR0, as a boot loader would leave them (Linux boot.rst "32-bit Boot
// Protocol"; Multiboot 1 §3.2 "Machine state").
import type { Cpu } from '../cpu/cpu.js';
import { Reg, Seg } from '../cpu/state.js';
import type { CpuEntryState, SegmentState } from '../boot/entry.js';

function loadCache(cpu: Cpu, seg: number, s: SegmentState): void {
  cpu.segSel[seg] = s.selector;
  cpu.segBase[seg] = s.base | 0;
  cpu.segLimit[seg] = s.limit >>> 0;
  cpu.segAttr[seg] = s.attr;
}

export function applyEntryState(cpu: Cpu, e: CpuEntryState): void {
  cpu.reset();
  cpu.mem.setA20(e.a20);
  const r = cpu.regs;
  r[Reg.EAX] = e.eax;
  r[Reg.EBX] = e.ebx;
  r[Reg.ECX] = e.ecx;
  r[Reg.EDX] = e.edx;
  r[Reg.ESI] = e.esi;
  r[Reg.EDI] = e.edi;
  r[Reg.EBP] = e.ebp;
  r[Reg.ESP] = e.esp;
  cpu.setEflags(e.eflags);
  loadCache(cpu, Seg.CS, e.cs);
  loadCache(cpu, Seg.DS, e.ds);
  loadCache(cpu, Seg.ES, e.es);
  loadCache(cpu, Seg.FS, e.fs);
  loadCache(cpu, Seg.GS, e.gs);
  loadCache(cpu, Seg.SS, e.ss);
  cpu.gdtrBase = e.gdtr.base;
  cpu.gdtrLimit = e.gdtr.limit;
  cpu.idtrBase = e.idtr.base;
  cpu.idtrLimit = e.idtr.limit;
  cpu.cr[0] = e.cr0;
  cpu.cpl = 0;
  cpu.eip = e.eip >>> 0;
  cpu.modeChanged();
}
