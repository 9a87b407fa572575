// The busybox initramfs of the Linux guests: busybox-static, an /init that mounts the pseudo
// file systems and prints a marker, then busybox init giving a shell on the console.
// Busybox init (not a shell as PID 1) so that a plain `poweroff` works: the applet signals
// PID 1, which stops everything and calls reboot(LINUX_REBOOT_CMD_POWER_OFF).
import { gzipSync } from 'node:zlib';
import { type CpioEntry, S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG, writeCpio } from './cpio.js';
import { GUEST_PROMPT, INIT_MARKER } from './paths.js';

/** Bump when the layout or scripts below change: the manifest key includes it. */
export const INITRAMFS_LAYOUT = 4;

const INIT = `#!/bin/busybox sh
# ringmaster guest /init: mount the pseudo file systems, then hand over to busybox init.
/bin/busybox mkdir -p /proc /sys /dev /tmp /root /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
hostname ringmaster
echo "${INIT_MARKER} ($(uname -r) $(uname -m))"
exec /bin/busybox init
`;

// busybox init(8) inittab: an empty tty field means /dev/console; cttyhack finds the real
// tty behind it (ttyS0 with console=ttyS0) and makes it the controlling tty, so job control
// and Ctrl-C work; -l makes it a login shell that reads /etc/profile. The shell comes back if it exits; \`poweroff\` or \`poweroff -f\` ends the VM.
const INITTAB = `::respawn:/bin/cttyhack /bin/sh -l
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
`;

const PROFILE = `export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root
export TERM=\${TERM:-vt100}
export PS1='${GUEST_PROMPT.replace('~', '\\w')}'
cd /root
`;

/** Entries of the initramfs for a given busybox binary. */
export function initramfsEntries(busybox: Uint8Array): CpioEntry[] {
  const dir = (name: string): CpioEntry => ({ name, mode: S_IFDIR | 0o755 });
  const file = (name: string, data: string | Uint8Array, perm = 0o644): CpioEntry => ({ name, mode: S_IFREG | perm, data });
  return [
    dir('bin'), dir('sbin'), dir('usr'), dir('usr/bin'), dir('usr/sbin'), dir('etc'),
    dir('proc'), dir('sys'), dir('tmp'), dir('root'), dir('dev'),
    // The kernel opens /dev/console for init before /init mounts devtmpfs (init/main.c).
    { name: 'dev/console', mode: S_IFCHR | 0o600, rdevMajor: 5, rdevMinor: 1 },
    file('bin/busybox', busybox, 0o755),
    { name: 'bin/sh', mode: S_IFLNK | 0o777, data: 'busybox' },
    file('init', INIT, 0o755),
    file('etc/inittab', INITTAB),
    file('etc/profile', PROFILE),
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n'),
    file('etc/group', 'root:x:0:\n'),
    file('etc/hostname', 'ringmaster\n'),
  ];
}

/** The initramfs as a gzip-compressed newc archive (deterministic: gzip mtime is 0). */
export function buildInitramfs(busybox: Uint8Array): Uint8Array {
  return gzipSync(writeCpio(initramfsEntries(busybox)), { level: 9 });
}
