// The terminal side of a serial console: stdin in raw mode to the guest, guest bytes to stdout.
// As in QEMU, Ctrl-A is the escape key: Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A.

const CTRL_A = 0x01;

export class SerialTerminal {
  quitRequested = false;
  private escape = false;
  private readonly raw: boolean;
  private readonly onData = (chunk: Buffer) => this.input(chunk);

  constructor(private readonly send: (bytes: Uint8Array) => void) {
    this.raw = process.stdin.isTTY === true;
    if (this.raw) process.stdin.setRawMode(true);
    process.stdin.on('data', this.onData);
    process.stdin.resume();
  }

  output(byte: number): void {
    process.stdout.write(Buffer.of(byte));
  }

  /** Filters the escape sequences out of host input and forwards the rest. */
  input(chunk: Uint8Array): void {
    const out: number[] = [];
    for (const b of chunk) {
      if (this.escape) {
        this.escape = false;
        if (b === 0x78 /* x */ || b === 0x58) {
          this.quitRequested = true;
          process.stderr.write('\r\nringmaster: terminated by Ctrl-A x\r\n');
          continue;
        }
        if (b === CTRL_A) out.push(CTRL_A);
        continue;
      }
      if (b === CTRL_A && this.raw) this.escape = true;
      else out.push(b);
    }
    if (out.length) this.send(Uint8Array.from(out));
  }

  close(): void {
    process.stdin.off('data', this.onData);
    if (this.raw) process.stdin.setRawMode(false);
    process.stdin.pause();
  }
}
