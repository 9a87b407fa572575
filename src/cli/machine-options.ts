// The guest options `ringmaster run` and `ringmaster create` share (same names, same meaning;
// src/machine/config.ts validates them).
import type { Command } from 'commander';

export interface MachineFlags {
  kernel?: string;
  initrd?: string;
  append?: string;
  disk?: string[];
  cdrom?: string;
  bios?: string;
  vgabios?: string;
  boot?: string;
  timeout?: string;
  deterministic?: boolean;
  tripleFault?: string;
  jit?: string;
  jitThreshold?: string;
  jitNames?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function addMachineOptions(cmd: Command): Command {
  return cmd
    .option('--kernel <file>', 'Linux bzImage or Multiboot kernel to boot directly')
    .option('--initrd <file>', 'initial ramdisk for --kernel')
    .option('--append <cmdline>', 'kernel command line for --kernel')
    .option('--disk <file>', 'raw hard disk image (repeatable: primary master first)', collect)
    .option('--cdrom <file>', 'ISO 9660 CD-ROM image')
    .option('--bios <file>', 'BIOS ROM image (64-256 KiB) mapped below 1 MiB and 4 GiB; starts at the reset vector')
    .option('--vgabios <file>', 'VGA option ROM')
    .option('--boot <order>', 'BIOS boot order, e.g. cdrom,disk')
    .option('--timeout <duration>', 'stop the VM after this long (virtual time with --deterministic), e.g. 90s')
    .option('--deterministic', 'virtual time from instructions executed: same inputs, same output')
    .option('--triple-fault <action>', 'on a triple fault: reset (as a PC does, the default) or stop')
    .option('--jit <on|off|js>', 'translate warm guest code to WebAssembly, or JavaScript where it cannot (default on; js = JavaScript only; off = interpreter only)')
    .option('--jit-threshold <n>', 'executions of a block before it is translated (0 = translate everything)')
    .option('--jit-names', 'name each WebAssembly function after its guest address, for profilers (node --cpu-prof, DevTools)');
}
