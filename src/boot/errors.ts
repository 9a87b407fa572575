// Typed errors of the kernel loaders. Each names the problem in words a user can act on;
// the CLI prints the message on one line and exits with status 2 (issue 4, "Bad input").

/** Base class: any kernel/initrd the loaders refuse. */
export class BootError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootError';
  }
}

/** The file is not the kind of kernel it was handed in as (no HdrS, no multiboot header...). */
export class NotAKernelError extends BootError {
  constructor(message: string) {
    super(message);
    this.name = 'NotAKernelError';
  }
}

/** The kernel speaks a protocol version or asks for features this loader does not provide. */
export class UnsupportedKernelError extends BootError {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedKernelError';
  }
}

/** The file ends before the sizes in its own header say it should. */
export class TruncatedImageError extends BootError {
  constructor(message: string) {
    super(message);
    this.name = 'TruncatedImageError';
  }
}

/** Kernel, initrd or module does not fit in the guest's RAM. */
export class NotEnoughMemoryError extends BootError {
  constructor(message: string) {
    super(message);
    this.name = 'NotEnoughMemoryError';
  }
}

/** The command line is longer than the kernel accepts. */
export class CommandLineTooLongError extends BootError {
  constructor(message: string) {
    super(message);
    this.name = 'CommandLineTooLongError';
  }
}

export const MiB = 1 << 20;

/** "12.5" for 13107200: sizes in messages, one decimal when not whole. */
export function mib(bytes: number): string {
  const v = bytes / MiB;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

export function hex(v: number): string {
  return '0x' + v.toString(16).toUpperCase();
}
