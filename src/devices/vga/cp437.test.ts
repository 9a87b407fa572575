// Code page 437 → Unicode (IBM PC character set as the VGA ROM font draws it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CP437, cp437ToUnicode } from './cp437.js';

test('256 single characters; ASCII in the middle; box drawing, accents, Greek in place', () => {
  assert.equal(CP437.length, 256);
  for (const ch of CP437) assert.equal([...ch].length, 1);
  assert.equal(cp437ToUnicode(0x41), 'A');
  assert.equal(cp437ToUnicode(0x7e), '~');
  assert.equal(cp437ToUnicode(0x00), ' ');
  assert.equal(cp437ToUnicode(0x01), '☺');
  assert.equal(cp437ToUnicode(0x7f), '⌂');
  assert.equal(cp437ToUnicode(0x80), 'Ç');
  assert.equal(cp437ToUnicode(0xb3), '│');
  assert.equal(cp437ToUnicode(0xc4), '─');
  assert.equal(cp437ToUnicode(0xda), '┌');
  assert.equal(cp437ToUnicode(0xdb), '█');
  assert.equal(cp437ToUnicode(0xe1), 'ß');
  assert.equal(cp437ToUnicode(0xfe), '■');
  assert.equal(cp437ToUnicode(0xff), ' ');
});
