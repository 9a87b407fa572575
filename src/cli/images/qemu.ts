// Drives QEMU (the reference machine) through its serial port: used by the image tests to
// prove the images boot before our own CPU can, by differential tests and by bench/boot.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

export class QemuSerial {
  readonly started = Date.now();
  private out = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly proc: ChildProcessWithoutNullStreams;

  /** `binary` is qemu-system-i386 or qemu-system-x86_64; `args` add to a headless serial-on-stdio setup. */
  constructor(binary: string, args: string[]) {
    const base = ['-accel', 'tcg', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot'];
    this.proc = spawn(binary, [...base, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const onData = (d: Buffer): void => {
      this.out += d.toString('latin1');
      this.wake();
    };
    this.proc.stdout.on('data', onData);
    this.proc.stderr.on('data', onData);
    this.proc.on('error', (e: NodeJS.ErrnoException) => {
      this.out += e.code === 'ENOENT' ? `\n${binary} not found — install the Debian package qemu-system-x86 (make setup does)\n` : `\n${e.message}\n`;
      this.exitInfo = { code: -1, signal: null };
      this.wake();
    });
    this.proc.on('exit', (code, signal) => {
      this.exitInfo = { code, signal };
      this.wake();
    });
  }

  /** Everything QEMU printed so far (serial output and QEMU's own messages). */
  get output(): string {
    return this.out;
  }

  get exited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Seconds since QEMU was started. */
  elapsed(): number {
    return (Date.now() - this.started) / 1000;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private wait<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(poll);
      };
      const poll = (): void => {
        const got = check();
        if (got !== undefined) {
          done();
          resolve(got);
        } else if (this.exitInfo) {
          done();
          reject(new Error(`QEMU exited (${this.exitInfo.code ?? this.exitInfo.signal}) before ${what}; output tail:\n${this.tail()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; output tail:\n${this.tail()}`));
      }, timeoutMs);
      this.waiters.add(poll);
      poll();
    });
  }

  /** Waits until the output after `from` matches; resolves with the match and where it ends. */
  waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<{ match: RegExpExecArray; end: number }> {
    return this.wait(String(re), timeoutMs, () => {
      const m = re.exec(this.out.slice(from));
      return m ? { match: m, end: from + m.index + m[0].length } : undefined;
    });
  }

  /** Waits for QEMU to exit (e.g. after the guest powers off); resolves with its exit code. */
  waitExit(timeoutMs: number): Promise<number | null> {
    return this.wait('QEMU to exit', timeoutMs, () => (this.exitInfo ? this.exitInfo.code : undefined));
  }

  /** Types text on the guest's serial console. */
  send(text: string): void {
    this.proc.stdin.write(text);
  }

  kill(): void {
    if (!this.exitInfo) this.proc.kill('SIGKILL');
  }

  tail(n = 1500): string {
    // Strip terminal escapes so the tail is readable in a test failure.
    // eslint-disable-next-line no-control-regex
    return this.out.slice(-n).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ' ');
  }
}
