// Differential test: the time-computed Pit8254 against a plain pulse-by-pulse model of the
// 82C54 written straight from the mode descriptions of the Intel 82C54 datasheet (231244).
// Random control words, counts, GATE 2 changes and time steps; after every step the CE value,
// OUT and NULL COUNT of all three counters (read back through the Read-Back Command), OUT2 on
// port 61h and the number of IRQ0 rising edges must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../bus/clock.js';
import { RecordingIrqLine } from '../bus/irq.js';
import { Pit8254, nsAtPitTick } from './pit8254.js';

/** One counter stepped one CLK pulse at a time. */
class ModelCounter {
  mode = 0;
  modeBits = 0;
  rw = 3;
  bcd = false;
  gate: boolean;
  ce = 0;
  out = false;
  cr = 0x10000;
  crValid = false;
  msbNext = false;
  lsb = 0;
  loadPending = false; // CR → CE on the next pulse
  counting = false; // the CE has been loaded since the control word
  stopped = false; // mode 0: first byte of a two-byte count written
  nullCount = true;
  strobed = false; // modes 4/5: strobe given for this load
  triggerPending = false; // GATE rising edge seen, acted on at the next pulse
  loadedN = 1; // mode 3: the count now being counted
  firstAfterLoad = false; // mode 3 odd counts: the first decrement is 1 (OUT high) or 3 (OUT low)

  constructor(gate: boolean) {
    this.gate = gate;
  }

  get m(): number {
    return this.bcd ? 10000 : 0x10000;
  }

  dec(v: number): number {
    return v === 0 ? this.m - 1 : v - 1;
  }

  control(v: number): void {
    this.modeBits = (v >> 1) & 7;
    this.mode = this.modeBits >= 6 ? this.modeBits - 4 : this.modeBits;
    this.rw = (v >> 4) & 3;
    this.bcd = (v & 1) === 1;
    this.out = this.mode !== 0;
    this.loadPending = this.counting = this.crValid = this.msbNext = this.stopped = false;
    this.strobed = this.triggerPending = false;
    this.nullCount = true;
  }

  writeByte(b: number): void {
    if (this.rw === 3 && !this.msbNext) {
      this.lsb = b;
      this.msbNext = true;
      if (this.mode === 0) {
        this.stopped = true;
        this.out = false;
      }
      return;
    }
    const raw = this.rw === 1 ? b : this.rw === 2 ? b << 8 : this.lsb | (b << 8);
    this.msbNext = false;
    if (this.bcd) {
      let d = 0;
      for (let s = 12; s >= 0; s -= 4) d = d * 10 + ((raw >> s) & 15);
      this.cr = d % 10000 || 10000;
    } else {
      this.cr = raw || 0x10000;
    }
    this.crValid = true;
    this.nullCount = true;
    this.stopped = false;
    if (this.mode === 0) {
      this.out = false;
      this.loadPending = true;
    } else if (this.mode === 4) {
      this.loadPending = true;
    } else if ((this.mode === 2 || this.mode === 3) && !this.counting) {
      this.loadPending = true;
    }
  }

  setGate(level: boolean): void {
    if (level === this.gate) return;
    this.gate = level;
    if (level && this.crValid && this.mode !== 0 && this.mode !== 4) this.triggerPending = true;
    if (!level && (this.mode === 2 || this.mode === 3)) this.out = true;
  }

  pulse(): void {
    if (this.triggerPending) {
      this.triggerPending = false;
      this.loadPending = true;
    }
    if (this.loadPending) {
      this.loadPending = false;
      this.ce = this.cr % this.m;
      this.loadedN = this.cr;
      this.nullCount = false;
      this.counting = true;
      this.strobed = false;
      if (this.mode === 1) this.out = false;
      if (this.mode === 2 || this.mode === 3 || this.mode === 4 || this.mode === 5) this.out = true;
      this.firstAfterLoad = true;
      return;
    }
    if (!this.counting || this.stopped) return;
    if (!this.gate && this.mode !== 1 && this.mode !== 5) return;
    switch (this.mode) {
      case 0:
      case 1:
        this.ce = this.dec(this.ce);
        if (this.ce === 0) this.out = true;
        return;
      case 4:
      case 5:
        this.ce = this.dec(this.ce);
        if (!this.out) this.out = true;
        if (this.ce === 0 && !this.strobed) {
          this.out = false;
          this.strobed = true;
        }
        return;
      case 2:
        if (this.ce === 1) {
          this.ce = this.cr % this.m; // end of the period: reload (a new count takes effect here)
          this.out = true;
          this.nullCount = false;
        } else {
          this.ce = this.dec(this.ce);
          if (this.ce === 1) this.out = false;
        }
        return;
      default: {
        if (this.loadedN === 1) {
          // A count of 1 is illegal in mode 3; the device keeps OUT high and takes new counts.
          this.ce = this.cr % this.m;
          this.loadedN = this.cr;
          this.nullCount = false;
          return;
        }
        let v = this.ce === 0 ? this.m : this.ce;
        let step = 2;
        if (this.loadedN & 1 && this.firstAfterLoad) step = this.out ? 1 : 3;
        this.firstAfterLoad = false;
        v -= step;
        if (v <= 0) {
          this.out = this.cr === 1 ? true : !this.out; // illegal count 1: OUT held high
          this.ce = this.cr % this.m;
          this.loadedN = this.cr;
          this.nullCount = false;
          this.firstAfterLoad = true;
        } else {
          this.ce = v;
        }
      }
    }
  }

  encoded(): number {
    if (!this.bcd) return this.ce;
    const v = this.ce % 10000;
    return ((v / 1000) | 0) * 4096 + (((v / 100) | 0) % 10) * 256 + (((v / 10) | 0) % 10) * 16 + (v % 10);
  }
}

function runDifferential(seed: number, steps: number): void {
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  let clock = new Clock();
  let irq = new RecordingIrqLine();
  let pit = new Pit8254({ clock, irq0: irq });
  let risesBefore = 0; // IRQ0 edges counted by earlier devices (before a save/restore swap)
  const model = [new ModelCounter(true), new ModelCounter(true), new ModelCounter(false)];
  // Power-on state of the device: mode 0, LSB then MSB, binary, no count.
  for (const c of model) c.control(0x30);
  let tick = 0;
  let modelRises = 0;
  let lastOut0 = model[0]!.out;
  const countRise = (): void => {
    const o = model[0]!.out;
    if (o && !lastOut0) modelRises++;
    lastOut0 = o;
  };
  const smallByte = (): number => [0, 1, 2, 3, 4, 5, 6, 7, 9, 0x10, 0x11][rnd(11)]!;
  const log: string[] = [];

  for (let step = 0; step < steps; step++) {
    if (step % 150 === 149) {
      // Swap in a fresh clock and PIT restored from a JSON snapshot: nothing may be lost.
      const saved = JSON.parse(JSON.stringify({ clock: clock.saveState(), pit: pit.saveState() }));
      risesBefore += irq.rises;
      clock = new Clock();
      irq = new RecordingIrqLine();
      pit = new Pit8254({ clock, irq0: irq });
      clock.loadState(saved.clock);
      pit.loadState(saved.pit);
      risesBefore -= irq.rises; // restoring the line level is not a new edge
    }
    const op = rnd(12);
    if (op <= 2) {
      const n = rnd(12) === 0 ? 1 + rnd(70000) : rnd(40);
      for (let i = 0; i < n; i++) {
        for (const c of model) c.pulse();
        countRise();
      }
      tick += n;
      clock.advance(nsAtPitTick(tick) - clock.now());
      log.push(`+${n}`);
    } else if (op <= 4) {
      const sc = rnd(3);
      const v = (sc << 6) | ((1 + rnd(3)) << 4) | (rnd(8) << 1) | (rnd(4) === 0 ? 1 : 0);
      pit.write(3, v);
      model[sc]!.control(v);
      countRise();
      log.push(`cw${v.toString(16)}`);
    } else if (op <= 8) {
      const sc = rnd(3);
      const b = rnd(3) === 0 ? rnd(256) : smallByte();
      pit.write(sc, b);
      model[sc]!.writeByte(b);
      countRise();
      log.push(`w${sc}=${b.toString(16)}`);
    } else if (op <= 10) {
      const g = rnd(2);
      pit.writePortB(g | 2);
      model[2]!.setGate(g === 1);
      log.push(`g${g}`);
    } else {
      // A counter latch left pending must not disturb anything; read it out straight away.
      const sc = rnd(3);
      pit.write(3, sc << 6);
      const m = model[sc]!;
      const lo = pit.read(sc);
      const value = m.rw === 3 ? lo | (pit.read(sc) << 8) : m.rw === 2 ? lo << 8 : lo;
      const want = m.rw === 3 ? m.encoded() : m.rw === 2 ? m.encoded() & 0xff00 : m.encoded() & 0xff;
      assert.equal(value, want, `latched count of counter ${sc} after ${log.slice(-12).join(' ')}`);
      continue;
    }
    for (let sc = 0; sc < 3; sc++) {
      const m = model[sc]!;
      pit.write(3, 0xc0 | (2 << sc)); // latch status and count
      const st = pit.read(sc);
      const mine = log.filter((e) => e[0] === '+' || e.startsWith(`w${sc}`) || (sc === 2 && e[0] === 'g') || (e.startsWith('cw') && parseInt(e.slice(2), 16) >> 6 === sc));
      const ctx = `counter ${sc} at pulse ${tick} after ${mine.slice(-14).join(' ')}`;
      assert.equal(st & 0x3f, (m.rw << 4) | (m.modeBits << 1) | (m.bcd ? 1 : 0), `control bits, ${ctx}`);
      assert.equal((st & 0x80) !== 0, m.out, `OUT, ${ctx}`);
      assert.equal((st & 0x40) !== 0, m.nullCount, `NULL COUNT, ${ctx}`);
      let ce: number;
      if (m.rw === 3) ce = pit.read(sc) | (pit.read(sc) << 8);
      else if (m.rw === 2) ce = pit.read(sc) << 8;
      else ce = pit.read(sc);
      const want = m.rw === 3 ? m.encoded() : m.rw === 2 ? m.encoded() & 0xff00 : m.encoded() & 0xff;
      assert.equal(ce, want, `CE, ${ctx}`);
    }
    assert.equal((pit.readPortB() & 0x20) !== 0, model[2]!.out, `OUT2 on port 61h at pulse ${tick}`);
    if (risesBefore + irq.rises !== modelRises) {
      const mine = log.filter((e) => e[0] === '+' || e.startsWith('w0') || (e.startsWith('cw') && parseInt(e.slice(2), 16) >> 6 === 0));
      assert.fail(`IRQ0 rising edges ${risesBefore + irq.rises}, model ${modelRises}, at pulse ${tick} after ${mine.slice(-16).join(' ')}`);
    }
  }
}

for (const seed of [1, 2, 3, 4, 5, 6]) {
  test(`82C54 modes 0-5 match a pulse-by-pulse datasheet model (seed ${seed})`, () => {
    runDifferential(seed, 2000);
  });
}
