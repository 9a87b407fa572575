// Messages between the page and the machine worker. The worker owns guest RAM and the CPU; the
// page only draws what it is sent and forwards input. Everything here is structured-clone data
// (ArrayBuffers are transferred, not copied, where the sender no longer needs them).

/** A board to build: images as bytes (the page fetched or read them), sizes in MiB. */
export interface MachineSetup {
  memoryMiB: number;
  /** SeaBIOS image (BIOS boot: disks and CDs); absent with a kernel = direct kernel boot. */
  bios?: ArrayBuffer;
  vgaBios?: ArrayBuffer;
  kernel?: ArrayBuffer;
  initrd?: ArrayBuffer;
  cmdline?: string;
  cdrom?: ArrayBuffer;
  disk?: ArrayBuffer;
  /** A CD or disk image read from this URL by HTTP range requests instead of whole bytes. */
  cdromUrl?: string;
  diskUrl?: string;
  /** Names for messages ("vmlinuz", a file name or URL). */
  labels?: Partial<Record<'bios' | 'vgaBios' | 'kernel' | 'initrd' | 'cdrom' | 'disk', string>>;
}

export type PageToWorker =
  | { type: 'setup'; setup: MachineSetup; start: boolean }
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'reset' }
  | { type: 'poweroff' }
  | { type: 'serial-in'; bytes: Uint8Array }
  | { type: 'key'; code: string; down: boolean }
  | { type: 'ctrl-alt-del' }
  | { type: 'save' }
  | { type: 'restore'; data: ArrayBuffer; start: boolean }
  | { type: 'full-frame' }
  /** Reads guest physical memory (tests and debugging: e.g. the BIOS keyboard buffer). */
  | { type: 'peek'; address: number; length: number };

export type RunState = 'empty' | 'running' | 'paused' | 'stopped' | 'off';

export type WorkerToPage =
  | { type: 'serial'; bytes: Uint8Array }
  /** Rows [top, bottom) of a width×height RGBA screen (pixels holds only those rows). */
  | { type: 'frame'; width: number; height: number; top: number; bottom: number; pixels: ArrayBuffer }
  /** The text screen as plain lines (text modes only): for tests, copy and paste, screen readers. */
  | { type: 'screen-text'; lines: string[] }
  | { type: 'status'; state: RunState; instructions: number; ips: number; resets: number; detail?: string }
  | { type: 'error'; message: string }
  | { type: 'snapshot'; data: ArrayBuffer }
  | { type: 'info'; message: string }
  /** A new board replaced the old one (setup or restore succeeded): the page clears its screen and terminal. */
  | { type: 'built' }
  | { type: 'peek-result'; address: number; bytes: Uint8Array };
