// i8042 keyboard controller tests, written from: IBM PS/2 Hardware Interface Technical
// Reference, "Keyboard/Auxiliary Device Controller" (status register, command byte, commands);
// IBM PC AT Technical Reference, "Keyboard Controller"; OSDev wiki "8042 PS/2 Controller";
// A. Brouwer "Keyboard scancodes" §9 (scan code sets, translation) and §11 (keyboard commands).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../bus/clock.js';
import { RecordingIrqLine } from '../bus/irq.js';
import {
  CMD_AUX_DISABLE,
  CMD_KBD_DISABLE,
  I8042,
  STATUS_A2,
  STATUS_AUX_OBF,
  STATUS_IBF,
  STATUS_OBF,
  STATUS_PARITY,
  STATUS_SYS,
  STATUS_TIMEOUT,
  STATUS_UNLOCKED,
} from './i8042.js';

function setup(auxPresent = true) {
  const clock = new Clock();
  const irq1 = new RecordingIrqLine();
  const irq12 = new RecordingIrqLine();
  const a20: boolean[] = [];
  const resets = { n: 0 };
  const kbc = new I8042({
    clock,
    irq1,
    irq12,
    auxPresent,
    setA20: (e) => a20.push(e),
    requestReset: () => resets.n++,
  });
  return { clock, irq1, irq12, a20, resets, kbc };
}

type Kbc = I8042;

/** Reads every waiting byte, as a polling driver does (read status, then data while OBF). */
function drain(kbc: Kbc): number[] {
  const out: number[] = [];
  for (let i = 0; i < 1000 && kbc.readStatus() & STATUS_OBF; i++) out.push(kbc.readData());
  return out;
}

function setCommandByte(kbc: Kbc, v: number): void {
  kbc.writeCommand(0x60);
  kbc.writeData(v);
}

function commandByte(kbc: Kbc): number {
  drain(kbc);
  kbc.writeCommand(0x20);
  return drain(kbc)[0]!;
}

/** Sends a byte to the keyboard and returns its whole reply. */
function kbd(kbc: Kbc, ...bytes: number[]): number[] {
  drain(kbc);
  const out: number[] = [];
  for (const b of bytes) {
    kbc.writeData(b);
    out.push(...drain(kbc));
  }
  return out;
}

function aux(kbc: Kbc, ...bytes: number[]): number[] {
  drain(kbc);
  const out: number[] = [];
  for (const b of bytes) {
    kbc.writeCommand(0xd4);
    kbc.writeData(b);
    out.push(...drain(kbc));
  }
  return out;
}

const hex = (a: number[]) => a.map((b) => b.toString(16).padStart(2, '0')).join(' ');

// ---- status register ------------------------------------------------------------------

test('status register at power-on: OBF, IBF, SYS, A2, AUX OBF, timeout, parity clear; inhibit switch reads "not inhibited" (IBM PS/2 HITR, status register bits 0-7)', () => {
  const { kbc } = setup();
  const s = kbc.readStatus();
  assert.equal(s & STATUS_OBF, 0);
  assert.equal(s & STATUS_IBF, 0);
  assert.equal(s & STATUS_SYS, 0, 'system flag is 0 after power-on (IBM: "set to 0 after a power-on reset")');
  assert.equal(s & STATUS_A2, 0);
  assert.equal(s & STATUS_UNLOCKED, STATUS_UNLOCKED);
  assert.equal(s & (STATUS_AUX_OBF | STATUS_TIMEOUT | STATUS_PARITY), 0);
});

test('status bit 3 (A2) records whether the last write went to the command port (1) or the data port (0)', () => {
  const { kbc } = setup();
  kbc.writeCommand(0xae);
  assert.equal(kbc.readStatus() & STATUS_A2, STATUS_A2);
  kbc.writeData(0xf4);
  assert.equal(kbc.readStatus() & STATUS_A2, 0);
});

test('IBF reads 0 after every write: the controller takes each byte at once (OSDev 8042 "Status Register" bit 1)', () => {
  const { kbc } = setup();
  for (const v of [0xaa, 0x20, 0x60]) {
    kbc.writeCommand(v);
    assert.equal(kbc.readStatus() & STATUS_IBF, 0);
  }
  kbc.writeData(0x45);
  assert.equal(kbc.readStatus() & STATUS_IBF, 0);
});

// ---- controller commands --------------------------------------------------------------

test('command AA (self-test) answers 55 and sets the system flag (IBM PS/2 HITR command AA; status bit 2)', () => {
  const { kbc } = setup();
  kbc.writeCommand(0xaa);
  const s = kbc.readStatus();
  assert.equal(s & STATUS_OBF, STATUS_OBF);
  assert.equal(s & STATUS_AUX_OBF, 0, 'controller replies are not aux data');
  assert.equal(kbc.readData(), 0x55);
  assert.equal(kbc.readStatus() & STATUS_OBF, 0, 'reading 0x60 empties the output buffer');
  assert.equal(kbc.readStatus() & STATUS_SYS, STATUS_SYS);
});

test('commands AB (keyboard interface test) and A9 (aux interface test) answer 00 = no error', () => {
  const { kbc } = setup();
  kbc.writeCommand(0xab);
  assert.deepEqual(drain(kbc), [0x00]);
  kbc.writeCommand(0xa9);
  assert.deepEqual(drain(kbc), [0x00]);
});

test('commands 60/20 write and read the command byte; bit 2 is copied to the status system flag (IBM "System Flag")', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x65);
  assert.equal(commandByte(kbc), 0x65);
  assert.equal(kbc.readStatus() & STATUS_SYS, STATUS_SYS);
  setCommandByte(kbc, 0x61);
  assert.equal(commandByte(kbc), 0x61);
  assert.equal(kbc.readStatus() & STATUS_SYS, 0);
});

test('commands 21-3F / 61-7F read and write the other 31 bytes of controller RAM', () => {
  const { kbc } = setup();
  for (let i = 1; i < 32; i++) {
    kbc.writeCommand(0x60 + i);
    kbc.writeData(i * 7);
  }
  for (let i = 1; i < 32; i++) {
    kbc.writeCommand(0x20 + i);
    assert.deepEqual(drain(kbc), [(i * 7) & 0xff], `RAM byte ${i}`);
  }
});

test('commands AD/AE set and clear command-byte bit 4; A7/A8 set and clear bit 5 (IBM PS/2 HITR commands A7, A8, AD, AE)', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x00);
  kbc.writeCommand(0xad);
  assert.equal(commandByte(kbc) & CMD_KBD_DISABLE, CMD_KBD_DISABLE);
  kbc.writeCommand(0xae);
  assert.equal(commandByte(kbc) & CMD_KBD_DISABLE, 0);
  kbc.writeCommand(0xa7);
  assert.equal(commandByte(kbc) & CMD_AUX_DISABLE, CMD_AUX_DISABLE);
  kbc.writeCommand(0xa8);
  assert.equal(commandByte(kbc) & CMD_AUX_DISABLE, 0);
});

test('a disabled keyboard interface holds keyboard data back until it is enabled again (command byte bit 4)', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x00);
  kbc.writeCommand(0xad);
  kbc.keyDown('KeyA');
  assert.equal(kbc.readStatus() & STATUS_OBF, 0);
  kbc.writeCommand(0xae);
  assert.deepEqual(drain(kbc), [0x1c]);
});

test('command C0 reads the input port: bit 7 = keyboard not inhibited', () => {
  const { kbc } = setup();
  kbc.writeCommand(0xc0);
  assert.deepEqual(drain(kbc), [0x80]);
});

test('command D0 reads the output port: reset line high, A20 on at power-on, bits 4/5 follow the IRQ1/IRQ12 outputs', () => {
  const { kbc } = setup();
  kbc.writeCommand(0xd0);
  const v = drain(kbc)[0]!;
  assert.equal(v & 0x01, 0x01, 'bit 0: system reset line not asserted');
  assert.equal(v & 0x02, 0x02, 'bit 1: A20 gate');
  assert.equal(v & 0x30, 0x00, 'output buffer was empty when D0 executed');
  // With a keyboard byte waiting, D0's reply is queued behind it and reports bit 4.
  kbc.writeCommand(0xd2);
  kbc.writeData(0x11);
  kbc.writeCommand(0xd0);
  const [first, port] = drain(kbc);
  assert.equal(first, 0x11);
  assert.equal(port! & 0x30, 0x10);
});

test('command D1 writes the output port: bit 1 drives A20, bit 0 = 0 resets the CPU (IBM PS/2 HITR command D1)', () => {
  const { kbc, a20, resets } = setup();
  kbc.writeCommand(0xd1);
  kbc.writeData(0xdd); // A20 off, reset high
  assert.deepEqual(a20, [false]);
  assert.equal(resets.n, 0);
  assert.equal(kbc.a20Enabled, false);
  kbc.writeCommand(0xd0);
  assert.equal(drain(kbc)[0]! & 0x03, 0x01);
  kbc.writeCommand(0xd1);
  kbc.writeData(0xdf); // A20 on
  assert.deepEqual(a20, [false, true]);
  kbc.writeCommand(0xd1);
  kbc.writeData(0xde); // reset line low
  assert.equal(resets.n, 1);
});

test('commands DD/DF turn A20 off and on; the callback fires only on a change', () => {
  const { kbc, a20 } = setup();
  kbc.writeCommand(0xdf); // already on at power-on
  assert.deepEqual(a20, []);
  kbc.writeCommand(0xdd);
  kbc.writeCommand(0xdd);
  kbc.writeCommand(0xdf);
  assert.deepEqual(a20, [false, true]);
});

test('commands F0-FF pulse output-port bits whose command bit is 0: FE resets the CPU, FF and other odd pulses do not', () => {
  const { kbc, resets } = setup();
  kbc.writeCommand(0xff);
  kbc.writeCommand(0xf1);
  kbc.writeCommand(0xfd);
  assert.equal(resets.n, 0);
  kbc.writeCommand(0xfe);
  assert.equal(resets.n, 1);
  kbc.writeCommand(0xf0);
  assert.equal(resets.n, 2);
  assert.equal(kbc.a20Enabled, true, 'a pulse does not change the latched output port');
});

test('command D2 puts a byte in the output buffer as keyboard data (IRQ1, untranslated); D3 as aux data (IRQ12, AUX OBF)', () => {
  const { kbc, irq1, irq12 } = setup();
  setCommandByte(kbc, 0x43); // both interrupts, translation on
  kbc.writeCommand(0xd2);
  kbc.writeData(0x1c);
  assert.equal(kbc.readStatus() & (STATUS_OBF | STATUS_AUX_OBF), STATUS_OBF);
  assert.equal(irq1.level, true);
  assert.equal(irq12.level, false);
  assert.equal(kbc.readData(), 0x1c, 'D2 data is not translated');
  assert.equal(irq1.level, false);
  kbc.writeCommand(0xd3);
  kbc.writeData(0x5a);
  assert.equal(kbc.readStatus() & (STATUS_OBF | STATUS_AUX_OBF), STATUS_OBF | STATUS_AUX_OBF);
  assert.equal(irq12.level, true);
  assert.equal(irq1.level, false);
  assert.equal(kbc.readData(), 0x5a);
  assert.equal(irq12.level, false);
});

test('IRQ1/IRQ12 are raised only while the matching command-byte interrupt bit is set (bits 0 and 1)', () => {
  const { kbc, irq1, irq12 } = setup();
  setCommandByte(kbc, 0x40);
  kbc.writeCommand(0xaa);
  assert.equal(irq1.rises, 0);
  drain(kbc);
  kbc.writeCommand(0xd3);
  kbc.writeData(0x01);
  assert.equal(irq12.rises, 0);
  // Enabling the interrupt while aux data waits raises IRQ12 at once.
  setCommandByte(kbc, 0x42);
  assert.equal(irq12.level, true);
  drain(kbc);
  assert.equal(irq12.level, false);
});

test('reading 0x60 with the output buffer empty returns the last byte again and changes nothing', () => {
  const { kbc, irq1 } = setup();
  setCommandByte(kbc, 0x01);
  kbc.writeCommand(0xaa);
  assert.equal(kbc.readData(), 0x55);
  const rises = irq1.rises;
  assert.equal(kbc.readData(), 0x55);
  assert.equal(kbc.readStatus() & STATUS_OBF, 0);
  assert.equal(irq1.rises, rises);
});

test('several waiting bytes come out one at a time, each with a fresh IRQ1 edge', () => {
  const { kbc, irq1 } = setup();
  setCommandByte(kbc, 0x01); // IRQ1, no translation
  const before = irq1.rises;
  kbc.writeData(0xff); // keyboard reset: FA AA
  assert.equal(irq1.rises, before + 1);
  assert.equal(kbc.readData(), 0xfa);
  assert.equal(irq1.level, true, 'next byte already loaded');
  assert.equal(irq1.rises, before + 2);
  assert.equal(kbc.readData(), 0xaa);
  assert.equal(irq1.level, false);
  assert.equal(kbc.readStatus() & STATUS_OBF, 0);
});

test('unknown controller commands are counted and ignored', () => {
  const { kbc } = setup();
  kbc.writeCommand(0x05);
  kbc.writeCommand(0xc7);
  assert.equal(kbc.stats.unknownCommands, 2);
  assert.equal(kbc.readStatus() & STATUS_OBF, 0);
});

// ---- keyboard commands ----------------------------------------------------------------

test('keyboard FF (reset) answers FA AA; F2 (identify) answers FA AB 83 untranslated and FA AB 41 translated (Brouwer §9.3 "Keyboard IDs")', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x00);
  assert.equal(hex(kbd(kbc, 0xff)), 'fa aa');
  assert.equal(hex(kbd(kbc, 0xf2)), 'fa ab 83');
  setCommandByte(kbc, 0x40);
  assert.equal(hex(kbd(kbc, 0xf2)), 'fa ab 41');
});

test('keyboard F0 00 reports the scan code set: 1/2/3 raw, 43/41/3F translated; F0 1-3 selects it (Brouwer §11 "f0")', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x00);
  assert.equal(hex(kbd(kbc, 0xf0, 0x00)), 'fa fa 02', 'default set is 2');
  setCommandByte(kbc, 0x40);
  assert.equal(hex(kbd(kbc, 0xf0, 0x00)), 'fa fa 41');
  assert.equal(hex(kbd(kbc, 0xf0, 0x01)), 'fa fa');
  assert.equal(hex(kbd(kbc, 0xf0, 0x00)), 'fa fa 43');
  assert.equal(hex(kbd(kbc, 0xf0, 0x03)), 'fa fa');
  assert.equal(hex(kbd(kbc, 0xf0, 0x00)), 'fa fa 3f');
  setCommandByte(kbc, 0x00);
  assert.equal(hex(kbd(kbc, 0xf0, 0x00)), 'fa fa 03');
  assert.equal(hex(kbd(kbc, 0xf0, 0x07)), 'fa fe', 'no set 7');
});

test('keyboard ED sets the LEDs (both bytes ACKed); EE echoes EE; FE resends the last byte; unknown commands get FE', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x00);
  const leds: number[] = [];
  kbc.keyboard.onLeds = (l) => leds.push(l);
  assert.equal(hex(kbd(kbc, 0xed, 0x07)), 'fa fa');
  assert.equal(kbc.keyboard.ledState, 7);
  assert.deepEqual(leds, [7]);
  assert.equal(hex(kbd(kbc, 0xee)), 'ee');
  assert.equal(hex(kbd(kbc, 0xfe)), 'ee');
  assert.equal(hex(kbd(kbc, 0x01)), 'fe');
});

test('keyboard ED followed by a command byte performs that command instead (Brouwer §11 "ed")', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x00);
  assert.equal(hex(kbd(kbc, 0xed, 0xf2)), 'fa fa ab 83');
  assert.equal(kbc.keyboard.ledState, 0);
});

test('keyboard F3 sets the typematic byte; F6 restores defaults (0x2B, set 2, LEDs off)', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x00);
  assert.equal(hex(kbd(kbc, 0xf3, 0x1f)), 'fa fa');
  assert.equal(kbc.keyboard.typematicByte, 0x1f);
  kbd(kbc, 0xed, 0x02, 0xf0, 0x01);
  assert.equal(hex(kbd(kbc, 0xf6)), 'fa');
  assert.equal(kbc.keyboard.typematicByte, 0x2b);
  assert.equal(kbc.keyboard.scanCodeSet, 2);
  assert.equal(kbc.keyboard.ledState, 0);
});

test('keyboard F5 stops scanning (keys produce nothing); F4 starts it again', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x00);
  assert.equal(hex(kbd(kbc, 0xf5)), 'fa');
  kbc.keyDown('KeyA');
  kbc.keyUp('KeyA');
  assert.deepEqual(drain(kbc), []);
  assert.equal(hex(kbd(kbc, 0xf4)), 'fa');
  kbc.keyDown('KeyA');
  assert.equal(hex(drain(kbc)), '1c');
});

test('writing keyboard data re-enables a keyboard interface disabled through the command byte, so the reply arrives', () => {
  const { kbc } = setup();
  setCommandByte(kbc, CMD_KBD_DISABLE);
  assert.equal(hex(kbd(kbc, 0xf2)), 'fa ab 83');
  assert.equal(commandByte(kbc) & CMD_KBD_DISABLE, 0);
});

// ---- scan codes -----------------------------------------------------------------------

test('set 2 untranslated: make c, break F0 c; extended keys E0 c / E0 F0 c (Brouwer §9.2)', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x00);
  kbc.keyDown('KeyA');
  kbc.keyUp('KeyA');
  assert.equal(hex(drain(kbc)), '1c f0 1c');
  kbc.keyDown('ArrowUp');
  kbc.keyUp('ArrowUp');
  assert.equal(hex(drain(kbc)), 'e0 75 e0 f0 75');
  kbc.keyDown('ControlRight');
  kbc.keyUp('ControlRight');
  assert.equal(hex(drain(kbc)), 'e0 14 e0 f0 14');
});

test('translated (command byte bit 6): set 2 becomes set 1, F0 c becomes c|80 and the F0 never reaches the CPU', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x40);
  kbc.keyDown('KeyA');
  kbc.keyUp('KeyA');
  assert.equal(hex(drain(kbc)), '1e 9e');
  kbc.keyDown('ArrowUp');
  kbc.keyUp('ArrowUp');
  assert.equal(hex(drain(kbc)), 'e0 48 e0 c8');
  kbc.keyDown('F7'); // set 2 code 83, the one key above 7F
  kbc.keyUp('F7');
  assert.equal(hex(drain(kbc)), '41 c1');
  kbc.keyDown('Escape');
  kbc.keyUp('Escape');
  assert.equal(hex(drain(kbc)), '01 81');
});

test('Pause: set 2 E1 14 77 E1 F0 14 F0 77 with no break; translated E1 1D 45 E1 9D C5 (Brouwer §9.2)', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x00);
  kbc.keyDown('Pause');
  kbc.keyUp('Pause');
  assert.equal(hex(drain(kbc)), 'e1 14 77 e1 f0 14 f0 77');
  setCommandByte(kbc, 0x40);
  kbc.keyDown('Pause');
  kbc.keyUp('Pause');
  assert.equal(hex(drain(kbc)), 'e1 1d 45 e1 9d c5');
});

test('Ctrl+Pause sends Break: E0 46 E0 C6 translated', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x40);
  kbc.keyDown('ControlLeft');
  kbc.keyDown('Pause');
  kbc.keyUp('Pause');
  kbc.keyUp('ControlLeft');
  assert.equal(hex(drain(kbc)), '1d e0 46 e0 c6 9d');
});

test('PrintScreen: E0 12 E0 7C / E0 F0 7C E0 F0 12 in set 2, E0 2A E0 37 / E0 B7 E0 AA translated', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x00);
  kbc.keyDown('PrintScreen');
  kbc.keyUp('PrintScreen');
  assert.equal(hex(drain(kbc)), 'e0 12 e0 7c e0 f0 7c e0 f0 12');
  setCommandByte(kbc, 0x40);
  kbc.keyDown('PrintScreen');
  kbc.keyUp('PrintScreen');
  assert.equal(hex(drain(kbc)), 'e0 2a e0 37 e0 b7 e0 aa');
});

test('keyboard in set 1 without translation sends XT codes itself: make c, break c|80', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x00);
  kbd(kbc, 0xf0, 0x01);
  kbc.keyDown('KeyA');
  kbc.keyUp('KeyA');
  kbc.keyDown('Delete');
  kbc.keyUp('Delete');
  assert.equal(hex(drain(kbc)), '1e 9e e0 53 e0 d3');
});

test('set 3: one byte per key; only modifiers give break codes by default; FA makes every key make/break; FD clears one (Brouwer §9.2, §11)', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x00);
  kbd(kbc, 0xf0, 0x03);
  kbc.keyDown('KeyA');
  kbc.keyUp('KeyA');
  kbc.keyDown('ShiftLeft');
  kbc.keyUp('ShiftLeft');
  kbc.keyDown('ArrowUp');
  assert.equal(hex(drain(kbc)), '1c 12 f0 12 63');
  kbc.keyUp('ArrowUp');
  assert.equal(hex(kbd(kbc, 0xfa)), 'fa');
  kbc.keyDown('KeyA');
  kbc.keyUp('KeyA');
  assert.equal(hex(drain(kbc)), '1c f0 1c');
  // FD 1C ends with F4: every byte ACKed, then KeyA is make-only again.
  assert.equal(hex(kbd(kbc, 0xfd, 0x1c, 0xf4)), 'fa fa fa');
  kbc.keyDown('KeyA');
  kbc.keyUp('KeyA');
  assert.equal(hex(drain(kbc)), '1c');
});

test('a keyboard reply never splits a key sequence: a translated break stays a break when a command arrives mid-sequence', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x40);
  kbc.keyDown('ArrowUp');
  assert.equal(hex(drain(kbc)), 'e0 48');
  kbc.keyUp('ArrowUp'); // E0 F0 75: E0 now sits in the output buffer
  kbc.writeData(0xee); // echo, sent while the sequence is half-delivered
  assert.equal(hex(drain(kbc)), 'e0 c8 ee');
});

test('keyboard buffer overrun: when a sequence no longer fits, one overrun code is queued (00 in set 2, FF once translated)', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x40);
  kbc.writeCommand(0xad); // hold keyboard data back
  for (let i = 0; i < 200; i++) {
    kbc.keyDown('KeyA');
    kbc.keyUp('KeyA');
  }
  assert.ok(kbc.keyboard.stats.overruns > 0);
  kbc.writeCommand(0xae);
  const bytes = drain(kbc);
  assert.equal(bytes[bytes.length - 1], 0xff, 'translated overrun code');
  assert.equal(bytes.filter((b) => b === 0xff).length, 1);
  assert.ok(bytes.length <= 256);
});

test('unknown key names are refused and counted', () => {
  const { kbc } = setup();
  assert.equal(kbc.keyDown('NoSuchKey'), false);
  assert.equal(kbc.keyboard.stats.unknownKeys, 1);
});

// ---- typematic ------------------------------------------------------------------------

test('typematic: a held key repeats its make code after the delay (500 ms) and then every 91.67 ms at the default 10.9 cps (Brouwer §11 "f3")', () => {
  const { kbc, clock } = setup();
  setCommandByte(kbc, 0x40);
  kbc.keyDown('KeyB');
  assert.equal(hex(drain(kbc)), '30');
  clock.advance(499_999_999);
  assert.deepEqual(drain(kbc), []);
  clock.advance(1);
  assert.equal(hex(drain(kbc)), '30');
  const period = Math.round((2 * 11 * 1e9) / 240); // B=1, D=3
  clock.advance(period - 1);
  assert.deepEqual(drain(kbc), []);
  clock.advance(1);
  assert.equal(hex(drain(kbc)), '30');
  clock.advance(period * 3);
  assert.equal(hex(drain(kbc)), '30 30 30');
  kbc.keyUp('KeyB');
  assert.equal(hex(drain(kbc)), 'b0');
  clock.advance(10e9);
  assert.deepEqual(drain(kbc), [], 'no repeat after release');
});

test('typematic: F3 00 gives 250 ms delay and 30 cps; only the last key pressed repeats; time stands still without clock.advance', () => {
  const { kbc, clock } = setup();
  setCommandByte(kbc, 0x40);
  kbd(kbc, 0xf3, 0x00);
  kbc.keyDown('KeyA');
  kbc.keyDown('KeyS');
  assert.equal(hex(drain(kbc)), '1e 1f');
  assert.deepEqual(drain(kbc), []);
  clock.advance(250e6);
  assert.equal(hex(drain(kbc)), '1f');
  clock.advance(Math.round(8e9 / 240));
  assert.equal(hex(drain(kbc)), '1f');
  kbc.keyUp('KeyA'); // not the repeating key: S keeps repeating
  clock.advance(Math.round(8e9 / 240));
  assert.equal(hex(drain(kbc)), '9e 1f');
});

test('typematic: Pause never repeats', () => {
  const { kbc, clock } = setup();
  setCommandByte(kbc, 0x40);
  kbc.keyDown('Pause');
  drain(kbc);
  clock.advance(5e9);
  assert.deepEqual(drain(kbc), []);
});

// ---- aux port -------------------------------------------------------------------------

test('aux D4 FF (reset) answers FA AA 00 on the aux port with AUX OBF and IRQ12; F2 answers FA 00', () => {
  const { kbc, irq12 } = setup();
  setCommandByte(kbc, 0x02);
  kbc.writeCommand(0xd4);
  kbc.writeData(0xff);
  assert.equal(kbc.readStatus() & (STATUS_OBF | STATUS_AUX_OBF), STATUS_OBF | STATUS_AUX_OBF);
  assert.equal(irq12.level, true);
  assert.equal(hex(drain(kbc)), 'fa aa 00');
  assert.equal(hex(aux(kbc, 0xf2)), 'fa 00');
});

test('aux: IntelliMouse knock (rates 200, 100, 80) turns the ID into 03; status request answers FA + 3 bytes', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x00);
  assert.equal(hex(aux(kbc, 0xf3, 200, 0xf3, 100, 0xf3, 80)), 'fa fa fa fa fa fa');
  assert.equal(hex(aux(kbc, 0xf2)), 'fa 03');
  assert.equal(hex(aux(kbc, 0xe9)), 'fa 00 02 50');
});

test('aux: stream mode packets after F4: byte 0 has bit 3 set and the sign bits; nothing before F4', () => {
  const { kbc } = setup();
  setCommandByte(kbc, 0x00);
  kbc.mouseMove(5, 5, 0, 0);
  assert.deepEqual(drain(kbc), []);
  assert.equal(hex(aux(kbc, 0xf4)), 'fa');
  kbc.mouseMove(-3, 4, 0, 1);
  assert.equal(hex(drain(kbc)), '19 fd 04');
});

test('D3 loops a byte back as aux data, as Linux checks the aux port (i8042 "AUX loopback")', () => {
  const { kbc } = setup();
  kbc.writeCommand(0xd3);
  kbc.writeData(0x5a);
  assert.equal(kbc.readStatus() & STATUS_AUX_OBF, STATUS_AUX_OBF);
  assert.equal(kbc.readData(), 0x5a);
});

test('a disabled aux interface holds mouse data back; D4 re-enables it', () => {
  const { kbc } = setup();
  setCommandByte(kbc, CMD_AUX_DISABLE);
  kbc.writeCommand(0xd4);
  kbc.writeData(0xf2);
  assert.equal(hex(drain(kbc)), 'fa 00');
  assert.equal(commandByte(kbc) & CMD_AUX_DISABLE, 0);
});

test('with nothing on the aux port, D4 writes time out: status bit 6 set and FE as aux data', () => {
  const { kbc } = setup(false);
  kbc.writeCommand(0xd4);
  kbc.writeData(0xff);
  const s = kbc.readStatus();
  assert.equal(s & STATUS_TIMEOUT, STATUS_TIMEOUT);
  assert.equal(s & STATUS_AUX_OBF, STATUS_AUX_OBF);
  assert.equal(kbc.readData(), 0xfe);
  kbc.writeCommand(0x20);
  assert.equal(kbc.readStatus() & STATUS_TIMEOUT, 0, 'cleared by the next write');
});

// ---- firmware sequences ---------------------------------------------------------------

test('a SeaBIOS-like init: self-test, interface test, keyboard reset, scanning off/on, command byte 0x61', () => {
  const { kbc, irq1 } = setup();
  setCommandByte(kbc, 0x30);
  kbc.writeCommand(0xaa);
  assert.deepEqual(drain(kbc), [0x55]);
  kbc.writeCommand(0xab);
  assert.deepEqual(drain(kbc), [0x00]);
  assert.equal(hex(kbd(kbc, 0xff)), 'fa aa');
  assert.equal(hex(kbd(kbc, 0xf5)), 'fa');
  assert.equal(hex(kbd(kbc, 0xf4)), 'fa');
  setCommandByte(kbc, 0x61);
  const before = irq1.rises;
  kbc.keyDown('Enter');
  assert.equal(irq1.rises, before + 1);
  assert.equal(kbc.readData(), 0x1c);
});

// ---- save/restore and reset -----------------------------------------------------------

test('save/restore mid-stream: the restored controller delivers the same bytes, with IRQ1 re-driven', () => {
  const a = setup();
  setCommandByte(a.kbc, 0x41);
  a.kbc.keyDown('ShiftLeft');
  a.kbc.keyDown('KeyQ');
  a.kbc.keyUp('KeyQ');
  a.kbc.readData(); // 2A consumed; 10, 90 wait
  const st = a.kbc.saveState();
  const clk = a.clock.saveState();
  const b = setup();
  b.clock.loadState(clk);
  b.kbc.loadState(structuredClone(st));
  assert.equal(b.irq1.level, true);
  assert.equal(hex(drain(b.kbc)), hex(drain(a.kbc)));
  // ShiftLeft is still held in the copy: releasing it gives its break code.
  b.kbc.keyUp('ShiftLeft');
  assert.equal(hex(drain(b.kbc)), 'aa');
});

test('save/restore keeps typematic going through the named Clock timer', () => {
  const a = setup();
  setCommandByte(a.kbc, 0x40);
  a.kbc.keyDown('KeyZ');
  drain(a.kbc);
  a.clock.advance(100e6);
  const st = a.kbc.saveState();
  const clk = a.clock.saveState();
  const b = setup();
  b.clock.loadState(clk);
  b.kbc.loadState(structuredClone(st));
  b.clock.advance(400e6);
  assert.equal(hex(drain(b.kbc)), '2c');
});

test('loadState refuses a foreign version', () => {
  const { kbc } = setup();
  assert.throws(() => kbc.loadState({ version: 99 }), /version 99/);
});

test('reset() returns to power-on: empty buffer, IRQs low, default command byte and output port', () => {
  const { kbc, irq1 } = setup();
  setCommandByte(kbc, 0x05);
  kbc.writeCommand(0xaa);
  kbc.writeCommand(0xdd);
  kbc.reset();
  assert.equal(irq1.level, false);
  assert.equal(kbc.readStatus(), STATUS_UNLOCKED);
  assert.equal(kbc.commandByte, 0x43);
  assert.equal(kbc.outputPort & 0x03, 0x03);
});

// ---- register fuzz --------------------------------------------------------------------

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['KeyA', 'Enter', 'ArrowLeft', 'Pause', 'PrintScreen', 'ShiftLeft', 'F7', 'MetaLeft'];

function fuzzRun(seed: number, steps: number): string[] {
  const env = setup();
  const { kbc, irq1, irq12, clock } = env;
  const r = rng(seed);
  const log: string[] = [];
  for (let i = 0; i < steps; i++) {
    const op = Math.floor(r() * 8);
    const v = Math.floor(r() * 256);
    if (op === 0) kbc.writeCommand(v);
    else if (op === 1) kbc.writeData(v);
    else if (op <= 3) log.push(`r${kbc.readData()}`);
    else if (op === 4) kbc.keyDown(KEYS[v & 7]!);
    else if (op === 5) kbc.keyUp(KEYS[v & 7]!);
    else if (op === 6) clock.advance(v * 1e6);
    else kbc.mouseMove((v & 15) - 8, (v >> 4) - 8, 0, v & 7);
    const s = kbc.readStatus();
    const cmd = kbc.commandByte;
    assert.ok(Number.isInteger(s) && s >= 0 && s <= 0xff);
    assert.equal(s & (STATUS_IBF | STATUS_PARITY), 0, 'IBF and parity never set');
    assert.equal(s & STATUS_UNLOCKED, STATUS_UNLOCKED);
    if (!(s & STATUS_OBF)) assert.equal(s & STATUS_AUX_OBF, 0, 'AUX OBF implies OBF');
    assert.equal(irq1.level, (s & STATUS_OBF) !== 0 && !(s & STATUS_AUX_OBF) && (cmd & 1) !== 0, 'IRQ1 level');
    assert.equal(irq12.level, (s & STATUS_OBF) !== 0 && (s & STATUS_AUX_OBF) !== 0 && (cmd & 2) !== 0, 'IRQ12 level');
    log.push(`s${s}`);
  }
  log.push(`resets${env.resets.n} a20${env.a20.join()}`);
  return log;
}

test('register fuzz: random port traffic and host input keep status and IRQ lines consistent, and replay identically', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const a = fuzzRun(seed, 2000);
    const b = fuzzRun(seed, 2000);
    assert.deepEqual(a, b, `seed ${seed} is deterministic`);
  }
});

test('register fuzz: save at a random point and restore into a fresh controller gives the same future', () => {
  for (let seed = 100; seed < 110; seed++) {
    const r = rng(seed);
    const ops: Array<[number, number]> = Array.from({ length: 600 }, () => [Math.floor(r() * 6), Math.floor(r() * 256)]);
    const apply = (k: I8042, c: Clock, [op, v]: [number, number]): string => {
      if (op === 0) k.writeCommand(v === 0xfe ? 0xff : v);
      else if (op === 1) k.writeData(v);
      else if (op <= 3) return `r${k.readData()}`;
      else if (op === 4) k[v & 1 ? 'keyDown' : 'keyUp'](KEYS[(v >> 1) & 7]!);
      else c.advance(v * 1e6);
      return `s${k.readStatus()}`;
    };
    const a = setup();
    const cut = 300;
    for (let i = 0; i < cut; i++) apply(a.kbc, a.clock, ops[i]!);
    const b = setup();
    b.clock.loadState(a.clock.saveState());
    b.kbc.loadState(structuredClone(a.kbc.saveState()));
    for (let i = cut; i < ops.length; i++) {
      assert.equal(apply(b.kbc, b.clock, ops[i]!), apply(a.kbc, a.clock, ops[i]!), `seed ${seed} step ${i}`);
    }
  }
});
