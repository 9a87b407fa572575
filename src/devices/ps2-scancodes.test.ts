// Scan code tables, checked against each other and against Brouwer "Keyboard scancodes" §9
// (the 8042 translation table and the set 1/2/3 correspondence table).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allKeyNames, breakCodes, keyInfo, makeCodes, TRANSLATE_SET2_TO_SET1 } from './ps2-scancodes.js';

/** What the 8042 hands the CPU for a keyboard byte stream with translation on (§9.3). */
function translate(bytes: number[]): number[] {
  const out: number[] = [];
  let brk = false;
  for (const b of bytes) {
    if (b === 0xf0) {
      brk = true;
      continue;
    }
    out.push(TRANSLATE_SET2_TO_SET1[b]! | (brk ? 0x80 : 0));
    brk = false;
  }
  return out;
}

test('for every key, the translated set 2 make and break sequences equal its set 1 sequences (Brouwer §9.4: "Set 1 equals translated Set 2")', () => {
  const names = allKeyNames();
  assert.ok(names.length >= 104, 'a full 105-key layout');
  for (const n of names) {
    const k = keyInfo(n)!;
    assert.deepEqual(translate(makeCodes(k, 2)), makeCodes(k, 1), `${n} make`);
    assert.deepEqual(translate(breakCodes(k, 2)), breakCodes(k, 1), `${n} break`);
  }
});

test('translation table spot values (Brouwer §9.3): 00→FF, 01→43, 02→41, 03→3F, 76→01 (Esc), 1C→1E (A), 83→41, 84→54', () => {
  const t = TRANSLATE_SET2_TO_SET1;
  const want: Array<[number, number]> = [
    [0x00, 0xff], [0x01, 0x43], [0x02, 0x41], [0x03, 0x3f], [0x76, 0x01], [0x1c, 0x1e],
    [0x5a, 0x1c], [0x29, 0x39], [0x7f, 0x54], [0x83, 0x41], [0x84, 0x54],
  ];
  for (const [from, to] of want) assert.equal(t[from], to, `0x${from.toString(16)}`);
});

test('translation is one-to-one on 01-7F and the identity on 80-FF except 83 and 84 (Brouwer §9.3 note)', () => {
  const seen = new Set<number>();
  for (let i = 1; i < 0x80; i++) seen.add(TRANSLATE_SET2_TO_SET1[i]!);
  assert.equal(seen.size, 0x7f);
  for (let i = 0x80; i < 0x100; i++) {
    if (i === 0x83 || i === 0x84) continue;
    assert.equal(TRANSLATE_SET2_TO_SET1[i], i);
  }
});

test('set 3 codes match the correspondence table for a sample of keys (Brouwer §9.6)', () => {
  const want: Record<string, number> = {
    Escape: 0x08, F1: 0x07, F7: 0x37, F12: 0x5e, Backslash: 0x5c, CapsLock: 0x14, ControlLeft: 0x11,
    AltLeft: 0x19, AltRight: 0x39, ControlRight: 0x58, ArrowUp: 0x63, NumLock: 0x76, NumpadDivide: 0x77,
    NumpadSubtract: 0x84, NumpadAdd: 0x7c, NumpadEnter: 0x79, Pause: 0x62, PrintScreen: 0x57, MetaLeft: 0x8b,
  };
  for (const [n, c] of Object.entries(want)) assert.equal(keyInfo(n)!.set3, c, n);
});

test('key names are unique, and set 2 codes are unique within each prefix', () => {
  const names = allKeyNames();
  assert.equal(new Set(names).size, names.length);
  const s2 = names.filter((n) => n !== 'Pause').map((n) => keyInfo(n)!.set2);
  assert.equal(new Set(s2).size, s2.length);
  const s3 = names.map((n) => keyInfo(n)!.set3);
  assert.equal(new Set(s3).size, s3.length);
});
