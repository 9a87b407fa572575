// What bench/guest-sha.js and bench/kernel-init.js share: a build's Pc and guest markers, and a
// snapshot of guest 1 (deterministic, direct kernel boot) booted once per build up to a point
// and cached in ~/.cache/ringmaster/bench/<name>-<build>.snap (state formats may differ between
// builds), with the serial output up to it.
import fs from 'node:fs'; import path from 'node:path'; import os from 'node:os'; import v8 from 'node:v8';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const IMAGES = path.join(os.homedir(), '.cache/ringmaster/images/i386');
const CACHE_DIR = path.join(os.homedir(), '.cache/ringmaster/bench');

/**
 * The build in `out`: its Pc class and guest markers, and the snapshot `name` of guest 1 booted
 * until `reached(pc, serial)` (made now when not cached). A board for a measurement:
 * `new Pc({ memoryBytes: GUEST_MEMORY, ... })`, then `loadState(snapshot.state)`.
 */
export async function guestSnapshot(out, name, reached) {
  const { Pc } = await import(pathToFileURL(path.join(out, 'machine/pc.js')).href);
  const { DEFAULT_GUEST, GUEST_PROMPT } = await import(pathToFileURL(path.join(out, 'cli/images/paths.js')).href);
  const build = createHash('sha256').update(fs.readFileSync(path.join(out, 'cpu/cpu.js'))).update(fs.readFileSync(path.join(out, 'machine/pc.js'))).digest('hex').slice(0, 12);
  const file = path.join(CACHE_DIR, `${name}-${build}.snap`);
  if (!fs.existsSync(file)) {
    let serial = '';
    const boot = new Pc({ memoryBytes: GUEST_MEMORY, serialSink: (b) => { serial += String.fromCharCode(b); } });
    const image = (n) => new Uint8Array(fs.readFileSync(path.join(IMAGES, n)));
    boot.bootKernel(image('vmlinuz'), image('initrd.gz'), DEFAULT_GUEST.append);
    const t0 = performance.now();
    while (!reached(boot, serial, GUEST_PROMPT)) {
      boot.run(1e6);
      if (boot.instructions > 20e9) throw new Error(`snapshot ${name}: not reached after ${boot.instructions} instructions: ${JSON.stringify(serial.slice(-200))}`);
    }
    console.error(`booted to ${name} in ${((performance.now() - t0) / 1000).toFixed(1)} s (${boot.instructions} instructions); snapshot ${file}`);
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    fs.writeFileSync(file, v8.serialize({ state: boot.saveState(), serial }));
  }
  return { Pc, GUEST_PROMPT, snapshot: v8.deserialize(fs.readFileSync(file)) };
}

/** The memory of guest 1's board (the default guest's 128 MiB). */
export const GUEST_MEMORY = 128 << 20;
