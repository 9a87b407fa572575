// Differential check of the x87 unit against sequences executed on a real x87 (see
// testdata/README.md): stack, tags, condition codes, exception flags (masked and unmasked),
// memory results of every load/store format, FSTENV/FSAVE images, FLDENV/FRSTOR/FLDCW, and the
// EFLAGS written by FCOMI. Transcendentals are checked separately (last-bit differences).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { X87, X87Memory } from './x87.js';

class Mem implements X87Memory {
  readonly b = new Uint8Array(0x200);
  read8(a: number): number {
    return this.b[a];
  }
  read16(a: number): number {
    return this.b[a] | (this.b[a + 1] << 8);
  }
  read32(a: number): number {
    return (this.read16(a) | (this.read16(a + 2) << 16)) >>> 0;
  }
  write8(a: number, v: number): void {
    this.b[a] = v & 0xff;
  }
  write16(a: number, v: number): void {
    this.write8(a, v);
    this.write8(a + 1, v >> 8);
  }
  write32(a: number, v: number): void {
    this.write16(a, v & 0xffff);
    this.write16(a + 2, v >>> 16);
  }
}

const hexBytes = (h: string): number[] => (h.match(/../g) ?? []).map((x) => parseInt(x, 16));
const SAVE = 0x100;

function fixturePath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const c = [
    path.join(here, 'testdata/x87-silicon-sequences.txt.gz'),
    path.resolve(process.cwd(), 'src/cpu/fpu/testdata/x87-silicon-sequences.txt.gz'),
  ];
  const found = c.find((p) => fs.existsSync(p));
  assert.ok(found, 'x87-silicon-sequences.txt.gz not found');
  return found;
}

test('random x87 instruction sequences match a real x87 (5500 sequences)', () => {
  const lines = zlib.gunzipSync(fs.readFileSync(fixturePath())).toString('utf8').trim().split('\n');
  assert.ok(lines.length >= 5500);
  const failures: string[] = [];
  for (const line of lines) {
    const [cwHex, memHex, opsHex, memAfter, image, eflagsHex] = line.split(' ');
    const mem = new Mem();
    hexBytes(memHex).forEach((v, i) => (mem.b[i] = v));
    const f = new X87();
    f.fldcw(parseInt(cwHex, 16));
    f.eflags = 0x46; // the harness clears EAX first: ZF = PF = 1
    // OPS: opcode+ModRM, plus a disp8 byte when the operand is at [rdi+disp8].
    const ops = opsHex
      .split(',')
      .map((o) => [parseInt(o.slice(0, 2), 16), parseInt(o.slice(2, 4), 16), o.length > 4 ? parseInt(o.slice(4, 6), 16) : 0]);
    for (const [op, modrm, disp] of ops) f.execute(op, modrm, disp, mem, true, false);
    f.execute(0xdd, 0x36, SAVE, mem, true, false); // FNSAVE
    const stored = ops.some(([o, m]) => (o === 0xd9 || o === 0xdd) && m < 0xc0 && ((m >> 3) & 7) === 6);
    const exp = hexBytes(memAfter);
    const problems: string[] = [];
    exp.forEach((v, i) => {
      if (stored && ((i >= 12 && i < 18) || (i >= 20 && i < 28))) return; // host addresses
      if (mem.b[i] !== v) problems.push(`mem[${i}]`);
    });
    const img = hexBytes(image);
    for (let i = 0; i < 28; i++) {
      if ((i >= 12 && i < 18) || (i >= 20 && i < 28)) continue;
      if (mem.b[SAVE + i] !== img[i]) problems.push(`image[${i}]`);
    }
    const tw = img[8] | (img[9] << 8);
    const top = ((img[4] | (img[5] << 8)) >> 11) & 7;
    for (let r = 0; r < 8; r++) {
      if (((tw >> (2 * ((top + r) & 7))) & 3) === 3) continue;
      for (let k = 0; k < 10; k++) {
        if (mem.b[SAVE + 28 + 10 * r + k] !== img[28 + 10 * r + k]) {
          problems.push(`ST${r}`);
          break;
        }
      }
    }
    if ((f.eflags & 0x8d5) !== (parseInt(eflagsHex, 16) & 0x8d5)) problems.push('eflags');
    if (problems.length && failures.length < 20) failures.push(`${cwHex} ${opsHex}: ${problems.join(' ')}`);
    else if (problems.length) failures.push('');
  }
  assert.equal(failures.length, 0, failures.filter((x) => x).join('\n'));
});
