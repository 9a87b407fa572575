// Image locking inside one daemon: a disk image is opened read-write by the VM that has it, so
// no other VM may open the same file at all (two writers would each keep their own unflushed
// sectors and overwrite the other's; a reader would see a disk changing under its file system).
// Read-only opens (CD-ROM images) share freely. Files are compared by real path (the API
// resolves symbolic links before it gets here). A VM holds its images until its worker thread
// has exited and its file descriptors are closed, not merely until it is stopped.
// Other processes (a second daemon, `ringmaster run`) are not covered: nothing locks the file.
import { HvError } from './supervisor.js';
import type { DrivePaths } from './machine-factory.js';

export interface DriveUse {
  path: string;
  writable: boolean;
  /** 'disk' or 'cdrom', for messages. */
  as: string;
}

export function driveUses(d: DrivePaths): DriveUse[] {
  const out: DriveUse[] = d.disks.map((path) => ({ path, writable: true, as: 'disk' }));
  if (d.cdrom) out.push({ path: d.cdrom, writable: false, as: 'cdrom' });
  return out;
}

function conflict(a: DriveUse, b: DriveUse): boolean {
  return a.path === b.path && (a.writable || b.writable);
}

export class DriveLocks {
  private readonly held = new Map<object, { vm: string; uses: DriveUse[] }>();

  /** Throws HvError 409 image_in_use when `uses` cannot be opened beside what is held (or together). */
  check(vm: string, uses: DriveUse[]): void {
    uses.forEach((u, i) => {
      const twin = uses.find((o, j) => j !== i && conflict(u, o));
      if (twin) {
        throw new HvError(409, 'image_in_use', `'${u.path}' is attached twice to VM '${vm}' (as ${u.as} and ${twin.as}); attach each image once`);
      }
      for (const h of this.held.values()) {
        const other = h.uses.find((o) => conflict(u, o));
        if (!other) continue;
        const mode = other.writable ? `read-write as a ${other.as}` : `read-only as a ${other.as}`;
        throw new HvError(
          409,
          'image_in_use',
          `${u.as} image '${u.path}' is in use by VM '${h.vm}' (${mode}); a disk image belongs to one VM at a time ` +
            `(only read-only CD images are shared) — stop or kill '${h.vm}' first, or use a copy of the image`,
        );
      }
    });
  }

  /** Checks, then records `uses` under `owner` until release(owner). */
  acquire(owner: object, vm: string, uses: DriveUse[]): void {
    this.check(vm, uses);
    if (uses.length) this.held.set(owner, { vm, uses });
  }

  release(owner: object): void {
    this.held.delete(owner);
  }
}
