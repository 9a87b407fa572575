// Tests of the 8259A pair, driven only through its registers and input lines.
// Section names cite the Intel 8259A datasheet (231468) and the Intel PIIX4 datasheet (ELCR).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pic8259Pair } from './pic8259.js';
import { RecordingIrqLine } from '../bus/irq.js';
import { StateVersionError } from '../bus/device.js';

const OCW3_READ_IRR = 0x0a;
const OCW3_READ_ISR = 0x0b;
const OCW3_POLL = 0x0c;
const EOI = 0x20;
const specificEoi = (l: number): number => 0x60 | l;

/** Programs the pair as a PC BIOS/Linux does: edge, cascade on IR2, 8086 mode. */
function pcPic(icw4Master = 0x01, icw4Slave = 0x01): Pic8259Pair {
  const pic = new Pic8259Pair();
  pic.writeMaster(0, 0x11); // ICW1: edge, cascade, IC4
  pic.writeMaster(1, 0x20); // ICW2: vectors 20h-27h
  pic.writeMaster(1, 0x04); // ICW3: slave on IR2
  pic.writeMaster(1, icw4Master); // ICW4
  pic.writeSlave(0, 0x11);
  pic.writeSlave(1, 0x28);
  pic.writeSlave(1, 0x02); // ICW3: slave ID 2
  pic.writeSlave(1, icw4Slave);
  return pic;
}

const isrM = (p: Pic8259Pair): number => (p.writeMaster(0, OCW3_READ_ISR), p.readMaster(0));
const irrM = (p: Pic8259Pair): number => (p.writeMaster(0, OCW3_READ_IRR), p.readMaster(0));
const isrS = (p: Pic8259Pair): number => (p.writeSlave(0, OCW3_READ_ISR), p.readSlave(0));
const irrS = (p: Pic8259Pair): number => (p.writeSlave(0, OCW3_READ_IRR), p.readSlave(0));

test('8259A "Initialization Command Words": ICW1-ICW4 cascade setup gives master and slave vectors', () => {
  const pic = pcPic();
  assert.equal(pic.hasPending(), false);
  pic.irqLine(1).pulse();
  assert.equal(pic.hasPending(), true);
  assert.equal(pic.acknowledge(), 0x21);
  assert.equal(isrM(pic), 0x02);
  pic.writeMaster(0, EOI);
  assert.equal(isrM(pic), 0);
  // "Cascade Mode": a slave request raises master IR2; the slave supplies the vector.
  pic.irqLine(12).pulse();
  assert.equal(irrS(pic), 0x10);
  assert.equal(irrM(pic), 0x04);
  assert.equal(pic.hasPending(), true);
  assert.equal(pic.acknowledge(), 0x2c);
  assert.equal(isrM(pic), 0x04, 'master marks the cascade input in service');
  assert.equal(isrS(pic), 0x10, 'slave marks IR4 in service');
  assert.equal(pic.hasPending(), false);
  pic.writeSlave(0, EOI);
  pic.writeMaster(0, EOI);
  assert.equal(isrM(pic) | isrS(pic), 0);
});

test('"Initialization Command Words": ICW2 uses only T7-T3 in 8086 mode', () => {
  const pic = new Pic8259Pair();
  pic.writeMaster(0, 0x11);
  pic.writeMaster(1, 0x57); // low three bits ignored
  pic.writeMaster(1, 0x04);
  pic.writeMaster(1, 0x01);
  pic.irqLine(3).pulse();
  assert.equal(pic.acknowledge(), 0x53);
});

test('"Initialization Command Words": IC4=0 and SNGL=1 skip ICW3 and ICW4; ICW4 functions are cleared', () => {
  const pic = pcPic(0x03); // AEOI first, so we can see it cleared
  pic.writeMaster(0, 0x12); // ICW1: single, no ICW4
  pic.writeMaster(1, 0x40); // ICW2
  pic.writeMaster(1, 0xf7); // the next data write is OCW1 already
  assert.equal(pic.readMaster(1), 0xf7);
  pic.writeMaster(1, 0x00);
  pic.irqLine(0).pulse();
  assert.equal(pic.acknowledge(), 0x40);
  assert.equal(isrM(pic), 0x01, 'f) AEOI cleared by an ICW1 without IC4: ISR bit is set');
});

test('"Initialization Command Words": SNGL=1 with IC4 takes ICW4 right after ICW2', () => {
  const pic = new Pic8259Pair();
  pic.writeMaster(0, 0x13); // single, IC4
  pic.writeMaster(1, 0x48);
  pic.writeMaster(1, 0x03); // ICW4: 8086, AEOI (not ICW3)
  pic.writeMaster(1, 0xfe); // OCW1
  assert.equal(pic.readMaster(1), 0xfe);
  pic.irqLine(1).pulse();
  assert.equal(pic.hasPending(), false, 'IR1 masked by OCW1');
  pic.irqLine(0).pulse();
  assert.equal(pic.acknowledge(), 0x48);
  assert.equal(isrM(pic), 0, 'AEOI from ICW4 is active');
});

test('"Cascade Mode": in single mode master IR2 is an ordinary input with a master vector', () => {
  const pic = new Pic8259Pair();
  pic.writeMaster(0, 0x13);
  pic.writeMaster(1, 0x40);
  pic.writeMaster(1, 0x01);
  pic.irqLine(9).pulse(); // the slave still drives master IR2 on the board
  assert.equal(pic.acknowledge(), 0x42);
});

test('"Initialization Command Words" a)-e): ICW1 clears IMR and ISR, resets priority, SMM, read select and the edge sense', () => {
  const pic = pcPic();
  pic.writeMaster(1, 0xaa);
  pic.writeMaster(0, 0xc4); // set priority: IR4 lowest
  pic.writeMaster(0, 0x68); // OCW3 set special mask mode
  pic.irqLine(6).raise();
  pic.acknowledge();
  pic.writeMaster(0, OCW3_READ_ISR);
  assert.equal(pic.readMaster(0), 0x40);
  pic.writeMaster(0, 0x11);
  pic.writeMaster(1, 0x20);
  pic.writeMaster(1, 0x04);
  pic.writeMaster(1, 0x01);
  assert.equal(pic.readMaster(1), 0, 'b) IMR cleared');
  assert.equal(pic.readMaster(0), 0, 'e) status read is IRR (and IRR of the edge input is clear)');
  assert.equal(isrM(pic), 0, 'ISR cleared');
  assert.equal(pic.hasPending(), false, 'a) IR6 held high since before ICW1 does not request');
  pic.irqLine(6).lower();
  pic.irqLine(6).raise();
  assert.equal(pic.hasPending(), true, 'a) a new low-to-high transition requests');
  pic.irqLine(0).pulse();
  pic.irqLine(5).pulse();
  assert.equal(pic.acknowledge(), 0x20, 'c) IR0 highest again');
  pic.writeMaster(0, EOI);
  assert.equal(pic.acknowledge(), 0x25);
});

test('OCW1: masked requests stay in IRR without interrupting; unmasking delivers them', () => {
  const pic = pcPic();
  pic.writeMaster(1, 0x08);
  assert.equal(pic.readMaster(1), 0x08);
  pic.irqLine(3).pulse();
  assert.equal(pic.hasPending(), false);
  assert.equal(irrM(pic), 0x08);
  pic.writeMaster(1, 0x00);
  assert.equal(pic.hasPending(), true);
  assert.equal(pic.acknowledge(), 0x23);
  // Masking the cascade input on the master blocks every slave input.
  pic.writeMaster(0, EOI);
  pic.writeMaster(1, 0x04);
  pic.irqLine(14).pulse();
  assert.equal(pic.hasPending(), false);
  pic.writeMaster(1, 0x00);
  assert.equal(pic.acknowledge(), 0x2e);
});

test('"Edge and Level Triggered Modes": edge input latches on the rising edge and does not re-request while held high', () => {
  const pic = pcPic();
  const l = pic.irqLine(4);
  l.raise();
  assert.equal(pic.acknowledge(), 0x24);
  assert.equal(irrM(pic), 0, 'INTA clears the edge request');
  pic.writeMaster(0, EOI);
  assert.equal(pic.hasPending(), false, 'line still high: no second interrupt');
  l.lower();
  assert.equal(pic.hasPending(), false);
  l.raise();
  assert.equal(pic.hasPending(), true);
  // A request arriving while its level is in service waits in IRR until EOI.
  assert.equal(pic.acknowledge(), 0x24);
  l.lower();
  l.raise();
  assert.equal(irrM(pic), 0x10);
  assert.equal(pic.hasPending(), false);
  pic.writeMaster(0, EOI);
  assert.equal(pic.hasPending(), true);
});

test('"Edge and Level Triggered Modes" with PIIX ELCR: a level input re-requests after EOI while still high', () => {
  const pic = pcPic();
  pic.writeElcr(1, 0x08); // IRQ11 level triggered
  const l = pic.irqLine(11);
  l.raise();
  assert.equal(pic.acknowledge(), 0x2b);
  assert.equal(irrS(pic), 0x08, 'level request stays in IRR while the line is high');
  pic.writeSlave(0, EOI);
  pic.writeMaster(0, EOI);
  assert.equal(pic.hasPending(), true, 'still high after EOI: interrupts again');
  assert.equal(pic.acknowledge(), 0x2b);
  l.lower();
  assert.equal(irrS(pic), 0, 'lowering a level line withdraws the request');
  pic.writeSlave(0, EOI);
  pic.writeMaster(0, EOI);
  assert.equal(pic.hasPending(), false);
});

test('ICW1 LTIM selects level triggering for every input', () => {
  const pic = new Pic8259Pair();
  pic.writeMaster(0, 0x19); // LTIM, cascade, IC4
  pic.writeMaster(1, 0x20);
  pic.writeMaster(1, 0x04);
  pic.writeMaster(1, 0x01);
  pic.irqLine(5).raise();
  assert.equal(pic.acknowledge(), 0x25);
  pic.writeMaster(0, EOI);
  assert.equal(pic.hasPending(), true);
  pic.irqLine(5).lower();
  assert.equal(pic.hasPending(), false);
});

test('PIIX ELCR1/ELCR2 (4D0h/4D1h): IRQ0, 1, 2, 8 and 13 are reserved as edge', () => {
  const pic = pcPic();
  pic.writeElcr(0, 0xff);
  pic.writeElcr(1, 0xff);
  assert.equal(pic.readElcr(0), 0xf8);
  assert.equal(pic.readElcr(1), 0xde);
  pic.writeElcr(0, 0x20);
  assert.equal(pic.readElcr(0), 0x20);
  // Switching to level with the line already high makes the request follow the line.
  pic.writeElcr(0, 0);
  pic.irqLine(7).raise();
  pic.acknowledge();
  pic.writeMaster(0, EOI);
  assert.equal(pic.hasPending(), false);
  pic.writeElcr(0, 0x80);
  assert.equal(pic.hasPending(), true);
});

test('"Fully Nested Mode": IR0 highest; a higher level interrupts a lower in service, a lower waits', () => {
  const pic = pcPic();
  pic.irqLine(5).pulse();
  pic.irqLine(3).pulse();
  assert.equal(pic.acknowledge(), 0x23);
  assert.equal(pic.hasPending(), false, 'IR5 is lower than IR3 in service');
  pic.irqLine(1).pulse();
  assert.equal(pic.hasPending(), true, 'IR1 outranks IR3');
  assert.equal(pic.acknowledge(), 0x21);
  assert.equal(isrM(pic), 0x0a);
  pic.writeMaster(0, EOI); // non-specific EOI clears the highest: IR1
  assert.equal(isrM(pic), 0x08);
  assert.equal(pic.hasPending(), false);
  pic.writeMaster(0, EOI);
  assert.equal(pic.acknowledge(), 0x25);
});

test('OCW2 specific EOI clears only the named ISR bit; NOP does nothing', () => {
  const pic = pcPic();
  pic.irqLine(6).pulse();
  pic.acknowledge();
  pic.irqLine(4).pulse();
  pic.acknowledge();
  assert.equal(isrM(pic), 0x50);
  pic.writeMaster(0, 0x40); // OCW2 no operation
  assert.equal(isrM(pic), 0x50);
  pic.writeMaster(0, specificEoi(6));
  assert.equal(isrM(pic), 0x10);
  pic.writeMaster(0, specificEoi(4));
  assert.equal(isrM(pic), 0);
});

test('"Automatic End of Interrupt (AEOI) Mode": no ISR bit is set, the same level can interrupt again', () => {
  const pic = pcPic(0x03);
  pic.irqLine(3).pulse();
  assert.equal(pic.acknowledge(), 0x23);
  assert.equal(isrM(pic), 0);
  pic.irqLine(4).pulse();
  assert.equal(pic.acknowledge(), 0x24, 'nothing in service blocks the lower level');
});

test('"Automatic Rotation": rotate on non-specific EOI makes the serviced level lowest', () => {
  const pic = pcPic();
  pic.writeMaster(1, 0xff);
  for (const n of [1, 3, 4, 7]) pic.irqLine(n).pulse();
  pic.writeMaster(1, 0x00);
  const order: number[] = [];
  for (let i = 0; i < 4; i++) {
    order.push(pic.acknowledge() - 0x20);
    pic.writeMaster(0, 0xa0); // rotate on non-specific EOI
    if (i === 0) {
      pic.irqLine(1).pulse(); // IR1 again: now lowest but one after rotation → after 3,4,7
    }
  }
  assert.deepEqual(order, [1, 3, 4, 7]);
  assert.equal(pic.acknowledge(), 0x21);
  // After rotating at IR1 the order is 2,3,4,5,6,7,0,1: IR0 now loses to IR6.
  pic.writeMaster(0, 0xa0);
  pic.writeMaster(1, 0xff);
  pic.irqLine(0).pulse();
  pic.irqLine(6).pulse();
  pic.writeMaster(1, 0x00);
  assert.equal(pic.acknowledge(), 0x26);
});

test('"Automatic Rotation": rotate in AEOI mode rotates at INTA', () => {
  const pic = pcPic(0x03);
  pic.writeMaster(0, 0x80); // rotate in AEOI mode (set)
  pic.irqLine(2 + 1).pulse();
  assert.equal(pic.acknowledge(), 0x23);
  pic.writeMaster(1, 0xff);
  pic.irqLine(0).pulse();
  pic.irqLine(4).pulse();
  pic.writeMaster(1, 0x00);
  assert.equal(pic.acknowledge(), 0x24, 'IR3 became lowest, so IR4 is now highest');
  assert.equal(pic.acknowledge(), 0x20);
  pic.writeMaster(0, 0x00); // rotate in AEOI mode (clear)
  pic.writeMaster(1, 0xff);
  pic.irqLine(7).pulse();
  pic.irqLine(1).pulse();
  pic.writeMaster(1, 0x00);
  assert.equal(pic.acknowledge(), 0x21, 'no further rotation: IR0 (lowest now) made IR1 highest');
  assert.equal(pic.acknowledge(), 0x27);
});

test('"Specific Rotation": set priority and rotate on specific EOI', () => {
  const pic = pcPic();
  pic.writeMaster(0, 0xc0 | 5); // IR5 lowest → IR6 highest
  pic.writeMaster(1, 0xff);
  for (const n of [0, 5, 6]) pic.irqLine(n).pulse();
  pic.writeMaster(1, 0x00);
  assert.equal(pic.acknowledge(), 0x26);
  pic.writeMaster(0, 0xe0 | 6); // rotate on specific EOI of IR6: IR6 lowest, IR7 highest
  assert.equal(isrM(pic), 0);
  pic.irqLine(6).pulse();
  pic.irqLine(7).pulse();
  assert.equal(pic.acknowledge(), 0x27);
  pic.writeMaster(0, specificEoi(7));
  assert.equal(pic.acknowledge(), 0x20, 'IR0 now outranks IR6');
  pic.writeMaster(0, EOI);
  assert.equal(pic.acknowledge(), 0x25);
  pic.writeMaster(0, EOI);
  assert.equal(pic.acknowledge(), 0x26);
});

test('"Special Mask Mode": masking the level in service lets lower priorities through', () => {
  const pic = pcPic();
  pic.irqLine(3).pulse();
  assert.equal(pic.acknowledge(), 0x23);
  pic.irqLine(5).pulse();
  assert.equal(pic.hasPending(), false, 'normal nesting blocks IR5');
  pic.writeMaster(1, 0x08);
  assert.equal(pic.hasPending(), false, 'masking alone does not, without SMM');
  pic.writeMaster(0, 0x68); // OCW3 ESMM=1 SMM=1
  assert.equal(pic.hasPending(), true);
  assert.equal(pic.acknowledge(), 0x25);
  assert.equal(isrM(pic), 0x28);
  pic.writeMaster(0, specificEoi(5));
  pic.writeMaster(0, 0x48); // reset special mask (ESMM=1 SMM=0)
  pic.irqLine(6).pulse();
  assert.equal(pic.hasPending(), false, 'IR3 still in service blocks again');
  pic.writeMaster(0, 0x28); // ESMM=0: SMM bit ignored
  assert.equal(pic.hasPending(), false);
});

test('OCW3 RR/RIS: read IRR or ISR at A0=0; an OCW3 without RR keeps the selection; A0=1 reads IMR', () => {
  const pic = pcPic();
  pic.writeMaster(1, 0x80);
  pic.irqLine(7).pulse();
  pic.irqLine(3).pulse();
  pic.acknowledge();
  pic.writeMaster(0, OCW3_READ_ISR);
  assert.equal(pic.readMaster(0), 0x08);
  pic.writeMaster(0, 0x08); // OCW3 with RR=0: no change
  assert.equal(pic.readMaster(0), 0x08);
  pic.writeMaster(0, OCW3_READ_IRR);
  assert.equal(pic.readMaster(0), 0x80);
  assert.equal(pic.readMaster(1), 0x80);
});

test('"The Poll Command": the read after OCW3 P=1 acknowledges and returns I and W2-W0, once', () => {
  const pic = pcPic();
  pic.writeMaster(1, 0x00);
  pic.irqLine(6).pulse();
  pic.irqLine(4).pulse();
  pic.writeMaster(0, OCW3_POLL);
  assert.equal(pic.readMaster(0), 0x84);
  assert.equal(isrM(pic), 0x10, 'poll read acts as INTA');
  assert.equal(pic.readMaster(1), 0x00, 'the following read is normal (IMR)');
  pic.writeMaster(0, EOI);
  pic.writeMaster(0, OCW3_POLL);
  assert.equal(pic.readMaster(1), 0x86, 'either address answers a poll');
  pic.writeMaster(0, EOI);
  pic.writeMaster(0, OCW3_POLL);
  assert.equal(pic.readMaster(0) & 0x80, 0, 'I=0: no request');
  // Polling through the cascade: master says level 2, the slave gives its level.
  pic.irqLine(10).pulse();
  pic.writeMaster(0, OCW3_POLL);
  assert.equal(pic.readMaster(0), 0x82);
  pic.writeSlave(0, OCW3_POLL);
  assert.equal(pic.readSlave(0), 0x82);
  assert.equal(isrS(pic), 0x04);
});

test('"Interrupt Sequence": a level request withdrawn before INTA gives spurious IRQ7 (base+7, no ISR bit)', () => {
  const pic = pcPic();
  pic.writeElcr(0, 0x20);
  pic.irqLine(5).raise();
  assert.equal(pic.hasPending(), true);
  pic.irqLine(5).lower();
  assert.equal(pic.acknowledge(), 0x27);
  assert.equal(isrM(pic), 0);
  // Also when the request is masked between the check and INTA.
  pic.irqLine(4).pulse();
  pic.writeMaster(1, 0x10);
  assert.equal(pic.acknowledge(), 0x27);
  assert.equal(isrM(pic), 0);
  assert.equal(irrM(pic), 0x10);
});

test('"Interrupt Sequence" in cascade: spurious IRQ15 sets master ISR2 and no slave ISR bit', () => {
  const pic = pcPic();
  pic.writeElcr(1, 0x04); // IRQ10 level
  pic.irqLine(10).raise();
  assert.equal(pic.hasPending(), true);
  pic.irqLine(10).lower(); // vanishes; master IR2 stays latched (edge)
  assert.equal(pic.hasPending(), true);
  assert.equal(pic.acknowledge(), 0x2f);
  assert.equal(isrM(pic), 0x04);
  assert.equal(isrS(pic), 0);
  pic.writeMaster(0, EOI);
  assert.equal(pic.hasPending(), false);
});

test('cascade: a second slave request waits for the slave EOI and the master EOI, then is delivered', () => {
  const pic = pcPic();
  pic.irqLine(9).pulse();
  pic.irqLine(14).pulse();
  assert.equal(pic.acknowledge(), 0x29);
  assert.equal(pic.hasPending(), false);
  pic.writeSlave(0, EOI);
  assert.equal(pic.hasPending(), false, 'master IR2 still in service');
  pic.writeMaster(0, EOI);
  assert.equal(pic.hasPending(), true);
  assert.equal(pic.acknowledge(), 0x2e);
  // Master IR0/IR1 outrank the whole slave; IR3 does not preempt a slave in service.
  pic.irqLine(3).pulse();
  assert.equal(pic.hasPending(), false);
  pic.irqLine(0).pulse();
  assert.equal(pic.acknowledge(), 0x20);
});

test('"Special Fully Nested Mode": a higher slave level gets through while the slave is in service', () => {
  for (const sfnm of [false, true]) {
    const pic = pcPic(sfnm ? 0x11 : 0x01);
    pic.irqLine(12).pulse();
    assert.equal(pic.acknowledge(), 0x2c);
    pic.irqLine(8).pulse();
    assert.equal(pic.hasPending(), sfnm, `SFNM=${sfnm}`);
    if (sfnm) {
      assert.equal(pic.acknowledge(), 0x28);
      assert.equal(isrS(pic), 0x11);
      // A lower slave level is still blocked by the slave's own ISR.
      pic.irqLine(13).pulse();
      assert.equal(pic.hasPending(), false);
      // Lower master levels are still blocked by master ISR2.
      pic.irqLine(4).pulse();
      assert.equal(pic.hasPending(), false);
    }
  }
});

test('slave in AEOI mode: a second slave request is not lost after INTA', () => {
  const pic = pcPic(0x01, 0x03);
  pic.irqLine(9).pulse();
  pic.irqLine(11).pulse();
  assert.equal(pic.acknowledge(), 0x29);
  pic.writeMaster(0, EOI);
  assert.equal(pic.acknowledge(), 0x2b);
});

test('the INT output mirrors hasPending() on the optional intr line', () => {
  const intr = new RecordingIrqLine();
  const pic = new Pic8259Pair({ intr });
  pic.irqLine(1).pulse();
  assert.equal(intr.level, true);
  pic.acknowledge();
  assert.equal(intr.level, false);
  assert.equal(intr.rises, 1);
});

test('irqLine rejects IRQ2 (the cascade) and numbers outside 0-15', () => {
  const pic = new Pic8259Pair();
  assert.throws(() => pic.irqLine(2), RangeError);
  assert.throws(() => pic.irqLine(16), RangeError);
  assert.equal(pic.irqLine(15), pic.irqLine(15));
});

test('save/restore keeps every register, rotation and mode; a foreign version is refused', () => {
  const pic = pcPic(0x11);
  pic.writeElcr(1, 0x08);
  pic.writeMaster(0, 0xc3);
  pic.writeMaster(1, 0x40);
  pic.irqLine(11).raise();
  pic.irqLine(5).pulse();
  pic.acknowledge();
  const saved = JSON.parse(JSON.stringify(pic.saveState()));
  const copy = new Pic8259Pair();
  copy.loadState(saved);
  for (const p of [pic, copy]) {
    p.writeSlave(0, OCW3_READ_ISR);
  }
  assert.deepEqual(copy.saveState(), pic.saveState());
  assert.equal(copy.hasPending(), pic.hasPending());
  // Both continue identically.
  for (const p of [pic, copy]) {
    p.writeMaster(0, EOI);
    p.irqLine(3).pulse();
  }
  assert.equal(copy.acknowledge(), pic.acknowledge());
  assert.equal(copy.acknowledge(), pic.acknowledge());
  assert.throws(() => copy.loadState({ version: 99 }), StateVersionError);
});

test('reset() returns to the power-on state but keeps input wire levels', () => {
  const pic = pcPic();
  pic.irqLine(3).raise();
  pic.reset();
  assert.equal(pic.hasPending(), false);
  assert.equal(pic.readMaster(1), 0);
  pic.irqLine(3).lower();
  pic.irqLine(3).raise();
  assert.equal(pic.acknowledge(), 0x0b, 'default vector base 08h');
});

test('register fuzz: random writes, reads, lines and INTAs never throw and keep invariants', () => {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const pic = pcPic();
  for (let i = 0; i < 20000; i++) {
    const op = rnd(10);
    const v = rnd(256);
    if (op === 0) pic.writeMaster(rnd(2), v);
    else if (op === 1) pic.writeSlave(rnd(2), v);
    else if (op === 2) pic.writeElcr(rnd(2), v);
    else if (op <= 5) {
      const n = rnd(16);
      if (n !== 2) pic.setIrq(n, rnd(2) === 1);
    } else if (op === 6) {
      const vec = pic.acknowledge();
      assert.ok(vec >= 0 && vec <= 255);
    } else {
      const r = [pic.readMaster(0), pic.readMaster(1), pic.readSlave(0), pic.readSlave(1), pic.readElcr(0), pic.readElcr(1)];
      for (const x of r) assert.ok(Number.isInteger(x) && x >= 0 && x <= 255);
      assert.equal(r[4]! & 0x07, 0);
      assert.equal(r[5]! & 0x21, 0);
    }
    // The cached output equals a fresh computation from the saved registers.
    if (i % 97 === 0) {
      const copy = new Pic8259Pair();
      copy.loadState(pic.saveState());
      assert.equal(copy.hasPending(), pic.hasPending());
    }
  }
});
