// Which boot protocol a kernel file speaks. A Linux bzImage is recognised by its setup
// header ("HdrS" at 0x202, boot.rst); a Multiboot v1 kernel by its header in the first
// 8 KiB (Multiboot spec 3.1.1). Like QEMU, a file with both is booted as a bzImage.

import type { PhysicalMemory } from '../memory/physical-memory.js';
import { NotAKernelError } from './errors.js';
import { type LinuxBootOptions, type LinuxBootPlan, loadLinux } from './linux.js';
import { type MultibootPlan, findMultibootHeader, loadMultiboot } from './multiboot.js';
import { type AcpiOptions, installAcpiTables } from '../devices/acpi-tables.js';

export type KernelKind = 'bzimage' | 'multiboot' | 'unknown';

export function detectKernelKind(bytes: Uint8Array): KernelKind {
  if (bytes.length >= 0x206) {
    const hdrs = (bytes[0x202] | (bytes[0x203] << 8) | (bytes[0x204] << 16) | (bytes[0x205] << 24)) >>> 0;
    if (hdrs === 0x53726448) return 'bzimage';
  }
  try {
    if (findMultibootHeader(bytes)) return 'multiboot';
  } catch {
    return 'multiboot'; // a header that runs off the end: still a (broken) multiboot kernel
  }
  return 'unknown';
}

/** The message for a file that is neither kind, naming what was expected. */
export function unknownKernelMessage(bytes: Uint8Array): string {
  const elf = bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
  const what =
    bytes.length === 0
      ? 'the file is empty'
      : elf
        ? 'an ELF file without a multiboot header, e.g. a vmlinux: pass the bzImage instead'
        : `${bytes.length} bytes with neither signature`;
  return (
    `not a bootable kernel (${what}): expected a Linux bzImage ("HdrS" at offset 0x202) ` +
    `or a Multiboot v1 kernel (magic 0x1BADB002 in the first 8 KiB)`
  );
}

export type KernelPlan = LinuxBootPlan | MultibootPlan;

/**
 * Loads whichever kind of kernel `bytes` is. For a multiboot kernel the initrd becomes its
 * first module (as QEMU's -initrd does) and the command line goes in the information structure.
 */
export interface KernelBootOptions extends LinuxBootOptions {
  /**
   * ACPI tables to install for a firmware-less boot (RSDP at 0xF0000, tables after it: the
   * default e820 reserves that range). A Linux kernel is also told the RSDP address.
   */
  acpi?: AcpiOptions;
}

export function loadKernel(memory: PhysicalMemory, bytes: Uint8Array, options: KernelBootOptions = {}): KernelPlan {
  const kind = detectKernelKind(bytes);
  if (kind === 'unknown') throw new NotAKernelError(unknownKernelMessage(bytes));
  const acpi = options.acpi ? installAcpiTables(memory, options.acpi) : null;
  switch (kind) {
    case 'bzimage':
      return loadLinux(memory, bytes, { ...options, acpiRsdpAddress: acpi?.installed ? acpi.rsdpAddress : options.acpiRsdpAddress });
    case 'multiboot':
      return loadMultiboot(memory, bytes, {
        cmdline: options.cmdline,
        e820: options.e820,
        modules: options.initrd && options.initrd.length ? [{ data: options.initrd, cmdline: 'initrd' }] : [],
      });
  }
}
