// PC16550D UART tests, driven only through read(offset)/write(offset) with a hand-advanced clock,
// a recording IRQ line and a fake byte sink. Section names refer to the National/TI PC16550D
// datasheet; the probe sequences are those of Linux drivers/tty/serial/8250/8250_port.c.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../bus/clock.js';
import { RecordingIrqLine } from '../bus/irq.js';
import { Uart16550, type Uart16550Options } from './uart16550.js';

const RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

function setup(extra: Partial<Uart16550Options> = {}) {
  const clock = new Clock();
  const irq = new RecordingIrqLine();
  const sent: number[] = [];
  const uart = new Uart16550({ clock, irq, sink: (b) => sent.push(b), ...extra });
  return { clock, irq, sent, uart, rd: (o: number) => uart.read(o), wr: (o: number, v: number) => uart.write(o, v) };
}

test('reset configuration: IER 0, IIR 01, LCR 0, MCR 0, LSR 60, MSR inputs without deltas (UART Reset Configuration)', () => {
  const { rd, irq } = setup();
  assert.deepEqual([IER, IIR, LCR, MCR, LSR, MSR, SCR].map(rd), [0x00, 0x01, 0x00, 0x00, 0x60, 0xb0, 0x00]);
  assert.equal(irq.level, false);
});

test('divisor latch: DLAB=1 maps offsets 0/1 to DLL/DLM; DLAB=0 restores RBR/THR and IER (Line Control Register bit 7)', () => {
  const { rd, wr, uart, sent } = setup();
  wr(LCR, 0x83);
  wr(DLL, 0x01);
  wr(DLM, 0x00);
  assert.equal(rd(DLL), 0x01);
  assert.equal(rd(DLM), 0x00);
  assert.deepEqual(sent, [], 'a DLL write does not transmit');
  assert.equal(uart.divisor, 1);
  // 115200 baud, 8N1: 10 bits per character = 86.8 µs.
  assert.ok(Math.abs(uart.charTimeNs() - 86_805.6) < 1);
  wr(LCR, 0x03);
  assert.equal(rd(IER), 0x00, 'IER, not DLM');
  wr(IER, 0x05);
  wr(LCR, 0x83);
  assert.equal(rd(DLM), 0x00, 'IER write did not reach DLM');
  wr(DLM, 0x04);
  wr(LCR, 0x03);
  assert.equal(rd(IER), 0x05);
  assert.equal(uart.divisor, 0x401);
  // 7E2 at divisor 12 (9600 baud): 1 + 7 + 1 + 2 = 11 bits.
  wr(LCR, 0x80);
  wr(DLL, 12);
  wr(DLM, 0);
  wr(LCR, 0x0e);
  assert.ok(Math.abs(uart.charTimeNs() - (11 * 1e9) / 9600) < 1);
});

test('scratch register holds any byte; IER bits 7-4 read 0 (Linux autoconfig IER and UUE tests)', () => {
  const { rd, wr } = setup();
  for (const v of [0x00, 0x55, 0xaa, 0xff]) {
    wr(SCR, v);
    assert.equal(rd(SCR), v);
  }
  wr(IER, 0x00);
  assert.equal(rd(IER) & 0x0f, 0);
  wr(IER, 0x0f);
  assert.equal(rd(IER) & 0x0f, 0x0f);
  wr(IER, 0xff);
  assert.equal(rd(IER), 0x0f, 'UART_IER_UUE (bit 6) is not writable on a 16550A');
  wr(MCR, 0xff);
  assert.equal(rd(MCR), 0x1f, 'MCR bits 7-5 read 0');
});

test('transmit: THR bytes reach the sink; THRE and TEMT stay coherent (Line Status Register bits 5, 6)', () => {
  const { rd, wr, sent } = setup();
  for (const b of [0x48, 0x69, 0x0a]) {
    assert.equal(rd(LSR) & 0x60, 0x60, 'THR empty before the write');
    wr(THR, b);
    assert.equal(rd(LSR) & 0x60, 0x60, 'transmitted at once: THR and shift register empty');
  }
  assert.deepEqual(sent, [0x48, 0x69, 0x0a]);
});

test('THRE interrupt: raised when ETBEI is set with THR empty, cleared by reading IIR when it is the source, re-raised when THR empties after a write (Interrupt Control Functions)', () => {
  const { rd, wr, irq } = setup();
  wr(MCR, 0x08); // OUT2
  wr(IER, 0x02);
  assert.equal(irq.level, true);
  assert.equal(rd(IIR), 0x02);
  assert.equal(irq.level, false, 'IIR read reset the THRE interrupt');
  assert.equal(rd(IIR), 0x01);
  wr(THR, 0x41);
  assert.equal(irq.level, true, 'THR emptied again');
  assert.equal(irq.rises, 2, 'a fresh edge for an edge-triggered PIC');
  wr(THR, 0x42);
  assert.equal(irq.rises, 3, 'every THR write resets and re-raises THRE');
  wr(IER, 0x00);
  assert.equal(irq.level, false);
  assert.equal(rd(IIR), 0x01);
  wr(IER, 0x02); // rising ETBEI while empty: THRE again
  assert.equal(rd(IIR), 0x02);
  wr(IER, 0x02); // rewriting the same value is not a new event
  assert.equal(rd(IIR), 0x01);
});

test('Linux 8250 startup probes: THRE re-asserts (no UART_BUG_THRE) and TX enable interrupts at once (no UART_BUG_TXEN)', () => {
  const { rd, wr } = setup();
  // serial8250_do_startup, UART_BUG_THRE test.
  wr(IER, 0x02);
  const iir1 = rd(IIR);
  wr(IER, 0x00);
  wr(IER, 0x02);
  const iir = rd(IIR);
  wr(IER, 0x00);
  assert.equal(iir1 & 0x01, 0);
  assert.equal(iir & 0x01, 0, 'THRE re-asserted: the driver would otherwise set UART_BUG_THRE');
  // serial8250_do_startup, UART_BUG_TXEN test (LCR = WLEN8, MCR |= OUT2 first).
  wr(LCR, 0x03);
  wr(MCR, 0x0b);
  wr(IER, 0x02);
  const lsr = rd(LSR);
  const iir2 = rd(IIR);
  wr(IER, 0x00);
  assert.ok(lsr & 0x40, 'TEMT');
  assert.equal(iir2 & 0x01, 0, 'IIR shows an interrupt: the driver would otherwise set UART_BUG_TXEN');
  assert.equal(iir2 & 0x0f, 0x02);
});

test('Linux 8250 autoconfig identifies a 16550A: loopback MSR 0x90, FIFO bits, no 64-byte FIFO, no EFR', () => {
  const { rd, wr } = setup();
  // Loopback test: MCR = LOOP | RTS | OUT2 gives CTS | DCD.
  wr(MCR, 0x10 | 0x0a);
  assert.equal(rd(MSR) & 0xf0, 0x90);
  wr(MCR, 0x00);
  // LCR = 0xBF then "EFR" (offset 2) written 0: on a 16550A that is an FCR write.
  wr(LCR, 0xbf);
  wr(2, 0);
  wr(LCR, 0);
  wr(FCR, 0x01);
  assert.equal(rd(IIR) >> 6, 3, 'IIR bits 7-6 = 11: 16550A with working FIFOs');
  // 16750 test: FCR bit 5 has no effect, IIR bit 5 stays 0 with or without DLAB.
  wr(FCR, 0x21);
  assert.equal(rd(IIR) & 0xe0, 0xc0);
  wr(LCR, 0x80);
  wr(FCR, 0x21);
  assert.equal(rd(IIR) & 0xe0, 0xc0);
  assert.notEqual(rd(2), 0, 'offset 2 with DLAB set is still IIR (no ST16C650 EFR)');
  wr(LCR, 0);
});

test('OUT2 gates the IRQ line as on PCs; gating off by option (Modem Control Register bit 3)', () => {
  const a = setup();
  a.wr(IER, 0x02);
  assert.equal(a.rd(LSR) & 0x20, 0x20);
  assert.equal(a.irq.level, false, 'interrupt pending but OUT2 low');
  a.wr(MCR, 0x08);
  assert.equal(a.irq.level, true);
  a.wr(MCR, 0x00);
  assert.equal(a.irq.level, false);
  assert.equal(a.rd(IIR), 0x02, 'still pending inside the UART');
  const b = setup({ out2GatesIrq: false });
  b.wr(IER, 0x02);
  assert.equal(b.irq.level, true);
});

test('receive without FIFOs: DR, received-data interrupt, RBR read clears both (Line Status Register bit 0)', () => {
  const { rd, wr, uart, irq } = setup();
  wr(MCR, 0x08);
  wr(IER, 0x01);
  uart.receive([0x41]);
  assert.equal(rd(LSR) & 0x01, 0x01);
  assert.equal(rd(IIR), 0x04);
  assert.equal(irq.level, true);
  assert.equal(rd(RBR), 0x41);
  assert.equal(rd(LSR) & 0x01, 0);
  assert.equal(rd(IIR), 0x01);
  assert.equal(irq.level, false);
  assert.equal(rd(RBR), 0x41, 'the RBR keeps its last character');
});

test('host input beyond the FIFO waits in a queue and is delivered in order without overrun', () => {
  const { rd, wr, uart } = setup();
  wr(FCR, 0xc7); // FIFO on, clear both, trigger 14
  const input = Array.from({ length: 40 }, (_, i) => 0x30 + i);
  uart.receive(input);
  assert.equal(uart.pendingInput, 24);
  const got: number[] = [];
  while (rd(LSR) & 0x01) got.push(rd(RBR));
  assert.deepEqual(got, input);
  assert.equal(rd(LSR) & 0x02, 0, 'no overrun');
  assert.equal(uart.pendingInput, 0);
  // Without FIFOs the queue feeds the single RBR.
  wr(FCR, 0x00);
  uart.receive([1, 2, 3]);
  assert.deepEqual([rd(RBR), rd(RBR), rd(RBR)], [1, 2, 3]);
  assert.equal(rd(LSR), 0x60);
});

test('RX FIFO trigger levels 1/4/8/14: the data-available interrupt follows the level both ways (FIFO Control Register bits 7-6)', () => {
  for (const [bits, level] of [[0x00, 1], [0x40, 4], [0x80, 8], [0xc0, 14]]) {
    const { rd, wr, uart, irq } = setup();
    wr(MCR, 0x08);
    wr(FCR, 0x07 | bits);
    wr(IER, 0x01);
    uart.receive(new Array(level - 1).fill(0x61));
    assert.equal(rd(IIR), 0xc1, `below trigger ${level}`);
    uart.receive([0x62]);
    assert.equal(rd(IIR), 0xc4, `at trigger ${level}`);
    assert.equal(irq.level, true);
    rd(RBR);
    assert.equal(rd(IIR), 0xc1, `dropped below trigger ${level}`);
    assert.equal(irq.level, false);
  }
});

test('character timeout: data below the trigger level for 4 character times gives IIR 0xC, cleared by reading RBR (FIFO Interrupt Mode Operation)', () => {
  const { clock, rd, wr, uart, irq } = setup();
  wr(LCR, 0x83);
  wr(DLL, 12); // 9600 baud
  wr(LCR, 0x03); // 8N1: one character = 10 bits = 1.0417 ms
  wr(MCR, 0x08);
  wr(FCR, 0x87); // trigger 8
  wr(IER, 0x01);
  uart.receive([1, 2, 3]);
  const fourChars = 4 * uart.charTimeNs();
  assert.ok(Math.abs(fourChars - 4_166_667) < 1);
  clock.advance(4_166_000);
  assert.equal(rd(IIR), 0xc1);
  clock.advance(1_000);
  assert.equal(rd(IIR), 0xcc);
  assert.equal(irq.level, true);
  assert.equal(rd(RBR), 1);
  assert.equal(rd(IIR), 0xc1, 'reading a character cleared the timeout and restarted the timer');
  assert.equal(irq.level, false);
  clock.advance(4_166_000);
  assert.equal(rd(IIR), 0xc1);
  clock.advance(1_000);
  assert.equal(rd(IIR), 0xcc);
  rd(RBR);
  rd(RBR);
  clock.advance(10 * fourChars);
  assert.equal(rd(IIR), 0xc1, 'no timeout with an empty FIFO');
  // A new character restarts the 4-character wait.
  uart.receive([9]);
  clock.advance(2_000_000);
  uart.receive([10]);
  clock.advance(4_000_000);
  assert.equal(rd(IIR), 0xc1);
  clock.advance(200_000);
  assert.equal(rd(IIR), 0xcc);
});

test('interrupt priorities: line status > received data > THR empty > modem status (Interrupt Control Functions)', () => {
  const { rd, wr, irq } = setup();
  wr(IER, 0x0f);
  // Loopback, 16450 mode: two characters overrun the RBR; entering loopback changes CTS and DSR.
  wr(MCR, 0x18);
  wr(THR, 0x11);
  wr(THR, 0x22);
  assert.equal(irq.level, true);
  assert.equal(rd(IIR), 0x06, 'receiver line status (overrun)');
  assert.equal(rd(LSR) & 0x03, 0x03, 'OE and DR; reading LSR clears OE');
  assert.equal(rd(IIR), 0x04, 'received data available');
  assert.equal(rd(RBR), 0x22, 'without FIFOs the overrunning character replaced the RBR');
  assert.equal(rd(IIR), 0x02, 'transmitter holding register empty');
  assert.equal(rd(IIR), 0x00, 'the IIR read cleared THRE; modem status remains');
  assert.equal(rd(MSR), 0x83, 'DCD from OUT2, DCTS and DDSR from the loopback switch');
  assert.equal(rd(IIR), 0x01);
  assert.equal(irq.level, false);
});

test('a higher-priority source hides THRE, which survives until IIR reports it', () => {
  const { rd, wr, uart } = setup();
  wr(IER, 0x03);
  uart.receive([0x55]);
  assert.equal(rd(IIR), 0x04);
  assert.equal(rd(IIR), 0x04, 'reading IIR while RDA shows does not clear THRE');
  rd(RBR);
  assert.equal(rd(IIR), 0x02);
  assert.equal(rd(IIR), 0x01);
});

test('loopback: TX looped to RX, nothing reaches the sink, host input held until loopback ends (Modem Control Register bit 4)', () => {
  const { rd, wr, uart, sent } = setup();
  wr(FCR, 0x01);
  wr(MCR, 0x10);
  uart.receive([0x7a]);
  for (const b of [0x10, 0x20, 0x30]) wr(THR, b);
  assert.deepEqual(sent, []);
  assert.deepEqual([rd(RBR), rd(RBR), rd(RBR)], [0x10, 0x20, 0x30]);
  assert.equal(rd(LSR) & 0x01, 0, 'host byte not delivered in loopback');
  wr(MCR, 0x00);
  assert.equal(rd(RBR), 0x7a);
  wr(THR, 0x31);
  assert.deepEqual(sent, [0x31]);
});

test('loopback modem lines: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD with change bits, TERI on RI trailing edge only', () => {
  const { rd, wr } = setup({ modemInputs: { cts: false, dsr: false, dcd: false } });
  assert.equal(rd(MSR), 0x00);
  wr(MCR, 0x10);
  assert.equal(rd(MSR), 0x00);
  wr(MCR, 0x11);
  assert.equal(rd(MSR), 0x22, 'DSR + DDSR');
  wr(MCR, 0x12);
  assert.equal(rd(MSR), 0x13, 'CTS + DCTS + DDSR');
  wr(MCR, 0x14);
  assert.equal(rd(MSR), 0x41, 'RI rising: no TERI; DCTS for CTS falling');
  wr(MCR, 0x18);
  assert.equal(rd(MSR), 0x8c, 'DCD + DDCD, TERI on RI falling');
  assert.equal(rd(MSR), 0x80, 'change bits cleared by the read');
});

test('modem status interrupt from the backend inputs, cleared by reading MSR (Modem Status Register)', () => {
  const { rd, wr, uart, irq } = setup();
  wr(MCR, 0x08);
  wr(IER, 0x08);
  assert.equal(rd(IIR), 0x01);
  uart.setModemInputs({ cts: false, ri: true });
  assert.equal(irq.level, true);
  assert.equal(rd(IIR), 0x00);
  assert.equal(rd(MSR), 0xe1);
  assert.equal(irq.level, false);
  uart.setModemInputs({ ri: false });
  assert.equal(rd(MSR), 0xa4, 'TERI');
});

test('overrun with FIFOs: the 17th character is lost, OE raises a line-status interrupt, LSR read clears it (Line Status Register bit 1)', () => {
  const { rd, wr, irq } = setup();
  wr(MCR, 0x18);
  wr(FCR, 0x07);
  wr(IER, 0x04);
  for (let i = 0; i < 17; i++) wr(THR, i);
  assert.equal(irq.level, true);
  assert.equal(rd(IIR), 0xc6);
  assert.equal(rd(LSR) & 0x03, 0x03);
  assert.equal(rd(LSR) & 0x02, 0, 'OE cleared by the previous read');
  assert.equal(irq.level, false);
  const got: number[] = [];
  while (rd(LSR) & 0x01) got.push(rd(RBR));
  assert.deepEqual(got, Array.from({ length: 16 }, (_, i) => i));
});

test('FCR: bit 0 gates the other bits, toggling it empties the FIFO, bit 1 clears the RX FIFO (FIFO Control Register)', () => {
  const { rd, wr, uart } = setup();
  wr(FCR, 0xc0);
  assert.equal(rd(IIR), 0x01, 'FIFOs stay off without bit 0');
  wr(FCR, 0x01);
  assert.equal(rd(IIR), 0xc1);
  wr(MCR, 0x10);
  wr(THR, 1);
  wr(THR, 2);
  wr(FCR, 0x03);
  assert.equal(rd(LSR) & 0x01, 0, 'RX FIFO cleared');
  wr(THR, 3);
  wr(FCR, 0x00);
  assert.equal(rd(LSR) & 0x01, 0, 'disabling the FIFOs empties them');
  assert.equal(rd(IIR), 0x01);
  wr(MCR, 0x00);
  uart.receive([5]);
  wr(FCR, 0x01);
  assert.equal(rd(LSR) & 0x01, 0, 'enabling the FIFOs empties the RBR');
});

test('break in loopback: one zero character with BI and FE; FIFO mode sets LSR bit 7 while it is queued (Line Status Register bits 4, 7)', () => {
  const { rd, wr } = setup();
  wr(FCR, 0x01);
  wr(MCR, 0x10);
  wr(THR, 0x41);
  wr(LCR, 0x43);
  const lsr = rd(LSR);
  assert.equal(lsr & 0x80, 0x80, 'error in RCVR FIFO');
  assert.equal(lsr & 0x18, 0, 'BI/FE not shown until the break character is on top');
  assert.equal(rd(RBR), 0x41);
  assert.equal(rd(LSR) & 0x99, 0x99, 'DR, FE, BI with the break on top, bit 7');
  assert.equal(rd(RBR), 0x00);
  assert.equal(rd(LSR), 0x60);
});

test('paced transmission: bytes leave at the line rate; THRE when the TX FIFO empties, TEMT when the shift register does (Line Status Register bits 5, 6)', () => {
  const { clock, rd, wr, sent, uart, irq } = setup({ txPacing: true });
  wr(LCR, 0x83);
  wr(DLL, 12);
  wr(LCR, 0x03); // 9600 8N1: 1.0417 ms per character
  wr(FCR, 0x07);
  wr(MCR, 0x08);
  wr(IER, 0x02);
  assert.equal(rd(IIR), 0xc2);
  const ch = uart.charTimeNs();
  wr(THR, 0x61); // straight into the shift register
  assert.equal(rd(LSR) & 0x60, 0x20, 'THRE, not TEMT');
  assert.equal(rd(IIR), 0xc2, 'THR/FIFO empty again at once');
  wr(THR, 0x62);
  wr(THR, 0x63);
  assert.equal(rd(LSR) & 0x60, 0x00, 'two bytes wait in the TX FIFO');
  assert.equal(rd(IIR), 0xc1);
  assert.deepEqual(sent, []);
  clock.advance(Math.ceil(ch));
  assert.deepEqual(sent, [0x61]);
  assert.equal(rd(LSR) & 0x60, 0x00);
  clock.advance(Math.ceil(ch));
  assert.deepEqual(sent, [0x61, 0x62]);
  assert.equal(rd(LSR) & 0x60, 0x20, 'FIFO empty, last byte shifting');
  assert.equal(irq.level, true, 'THRE interrupt when the FIFO empties');
  assert.equal(rd(IIR), 0xc2);
  clock.advance(Math.ceil(ch));
  assert.deepEqual(sent, [0x61, 0x62, 0x63]);
  assert.equal(rd(LSR) & 0x60, 0x60);
  // 17 bytes into an idle transmitter: one shifts, 16 fill the FIFO, the 18th is dropped.
  for (let i = 0; i < 18; i++) wr(THR, i);
  clock.advance(20 * ch);
  assert.deepEqual(sent.slice(3), Array.from({ length: 17 }, (_, i) => i));
  // FCR bit 2 empties the TX FIFO but not the shift register.
  wr(THR, 0x70);
  wr(THR, 0x71);
  wr(FCR, 0x05);
  clock.advance(2 * ch);
  assert.deepEqual(sent.slice(20), [0x70]);
});

test('paced loopback: the character reaches the receiver one character time after the THR write', () => {
  const { clock, rd, wr, uart } = setup({ txPacing: true });
  wr(MCR, 0x10);
  wr(THR, 0x5a);
  assert.equal(rd(LSR) & 0x01, 0);
  clock.advance(Math.ceil(uart.charTimeNs()));
  assert.equal(rd(LSR) & 0x01, 0x01);
  assert.equal(rd(RBR), 0x5a);
});

test('host break: a 0 character with BI and FE raises a line-status interrupt in order with the data (Line Status Register bit 4)', () => {
  const { rd, wr, uart } = setup();
  wr(IER, 0x05);
  uart.receive([0x31]);
  uart.receiveBreak();
  assert.equal(rd(IIR), 0x04);
  assert.equal(rd(RBR), 0x31);
  assert.equal(rd(IIR), 0x06);
  assert.equal(rd(LSR) & 0x19, 0x19, 'BI, FE, DR');
  assert.equal(rd(IIR), 0x04);
  assert.equal(rd(RBR), 0x00);
  assert.equal(rd(IIR), 0x01);
});

test('save/restore keeps FIFO contents, queued input, pending interrupts and the timeout timer', () => {
  const a = setup({ name: 'com1', txPacing: true });
  a.wr(MCR, 0x08);
  a.wr(FCR, 0xc1);
  a.wr(IER, 0x07);
  for (let i = 0; i < 5; i++) a.wr(THR, 0x40 + i);
  a.uart.receive(Array.from({ length: 20 }, (_, i) => i + 100));
  a.rd(RBR);
  a.clock.advance(100_000);
  const cs = a.clock.saveState();
  const us = a.uart.saveState();
  const b = setup({ name: 'com1', txPacing: true });
  b.clock.loadState(cs);
  b.uart.loadState(us);
  assert.equal(b.irq.level, a.irq.level);
  const run = (s: ReturnType<typeof setup>) => {
    const out: number[] = [];
    for (let i = 0; i < 30; i++) {
      s.clock.advance(1_000_000);
      out.push(s.rd(IIR), s.rd(LSR), s.rd(RBR), s.irq.level ? 1 : 0);
    }
    out.push(...s.sent);
    return out;
  };
  assert.deepEqual(run(b), run(a));
  assert.throws(() => b.uart.loadState({ version: 7 }), /version/);
});

test('reset keeps the divisor latch and clears the rest (UART Reset Configuration)', () => {
  const { rd, wr, uart, irq } = setup();
  wr(LCR, 0x80);
  wr(DLL, 3);
  wr(LCR, 0x1b);
  wr(MCR, 0x0b);
  wr(IER, 0x0f);
  wr(FCR, 0x01);
  wr(SCR, 0x77);
  uart.reset();
  assert.deepEqual([IER, IIR, LCR, MCR, LSR].map(rd), [0, 0x01, 0, 0, 0x60]);
  assert.equal(irq.level, false);
  assert.equal(uart.divisor, 3);
});

for (const txPacing of [false, true]) test(`register fuzz (txPacing ${txPacing}): random reads, writes, input and time never throw and keep the IRQ coherent`, () => {
  const { clock, uart, irq, rd } = setup({ txPacing });
  let seed = 99;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let i = 0; i < 50_000; i++) {
    switch (rnd(6)) {
      case 0:
      case 1:
        uart.write(rnd(8), rnd(256));
        break;
      case 2:
      case 3: {
        const v = uart.read(rnd(8));
        assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xff);
        break;
      }
      case 4:
        uart.receive(Array.from({ length: rnd(20) }, () => rnd(256)));
        break;
      default:
        clock.advance(rnd(5_000_000));
    }
    assert.equal(irq.level, uart.irqAsserted);
  }
  const iir = rd(IIR);
  assert.ok([0x01, 0x06, 0x04, 0x0c, 0x02, 0x00].includes(iir & 0x0f));
  assert.equal(iir & 0x30, 0);
});
