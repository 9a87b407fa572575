// One engine as a child process with the guest's serial console on its stdio: spawn it, watch
// stdout for markers, type on stdin, read its CPU time from /proc, kill it. Every engine of the
// benchmarks (Ringmaster, v86 through v86-child.js, QEMU) is driven the same way, so wall and
// CPU figures mean the same thing for all three.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

// Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream architecture
// (proc(5), "/proc/pid/stat" fields 14 and 15; sysconf(_SC_CLK_TCK)).
const CLK_TCK = 100;

// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\r/g;

export class SerialChild {
  /** @param {string} command @param {string[]} args */
  constructor(command, args, env = process.env) {
    this.command = command;
    this.args = args;
    this.out = '';
    this.err = '';
    /** @type {{code: number|null, signal: string|null, error?: string}|undefined} */
    this.exitInfo = undefined;
    this.waiters = new Set();
    this.t0 = performance.now();
    this.proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.proc.stdout.on('data', (d) => {
      this.out += d.toString('latin1');
      this.wake();
    });
    this.proc.stderr.on('data', (d) => {
      this.err += d.toString('latin1');
      this.wake();
    });
    this.proc.stdin.on('error', () => {}); // the child may exit before reading what was typed
    this.proc.on('error', (e) => {
      this.exitInfo = { code: null, signal: null, error: e.code === 'ENOENT' ? `${command} not found` : e.message };
      this.wake();
    });
    this.proc.on('exit', (code, signal) => {
      this.exitInfo = { code, signal };
      this.wake();
    });
  }

  /** Seconds since spawn. */
  elapsed() {
    return (performance.now() - this.t0) / 1000;
  }

  wake() {
    for (const w of [...this.waiters]) w();
  }

  /**
   * Waits until `needle` (string or RegExp) appears in stdout after offset `from`.
   * Resolves { ok: true, at: seconds since spawn, end: offset after the match, match } or
   * { ok: false, reason } on timeout or exit — never rejects, so a guest that does not boot
   * is a result, not a crash of the benchmark.
   */
  waitFor(needle, timeoutS, from = 0) {
    return new Promise((resolve) => {
      const find = () => {
        const hay = this.out.slice(from);
        if (typeof needle === 'string') {
          const i = hay.indexOf(needle);
          return i < 0 ? undefined : { index: i, text: needle };
        }
        const m = needle.exec(hay);
        return m ? { index: m.index, text: m[0], m } : undefined;
      };
      const finish = (r) => {
        clearTimeout(timer);
        this.waiters.delete(poll);
        resolve(r);
      };
      const poll = () => {
        const f = find();
        if (f) finish({ ok: true, at: this.elapsed(), end: from + f.index + f.text.length, match: f.m ?? f.text });
        else if (this.exitInfo) finish({ ok: false, reason: this.exitReason() });
      };
      const timer = setTimeout(() => finish({ ok: false, reason: `timed out after ${timeoutS} s` }), timeoutS * 1000);
      this.waiters.add(poll);
      poll();
    });
  }

  exitReason() {
    const x = this.exitInfo;
    if (!x) return 'still running';
    if (x.error) return `could not start: ${x.error}`;
    const how = x.signal ? `killed by ${x.signal}` : `exited with status ${x.code}`;
    // A Node crash ends with its version line; the error itself is the informative one.
    const errors = this.err.split('\n').filter((l) => /error/i.test(l));
    const errLine = errors.length ? lastLine(errors.at(-1)) : lastLine(this.err);
    return `${how}${errLine ? ` (stderr: ${errLine})` : ''}`;
  }

  /** Types text on the guest's serial console. */
  send(text) {
    if (!this.exitInfo) this.proc.stdin.write(text);
  }

  /** CPU seconds (user + system, all threads) the child has used so far; undefined once it is gone. */
  cpuSeconds() {
    try {
      const stat = readFileSync(`/proc/${this.proc.pid}/stat`, 'latin1');
      // The command name (field 2) may hold spaces; the fields after its ')' are fixed.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(f[11]) + Number(f[12])) / CLK_TCK; // fields 14 and 15 overall
    } catch {
      return undefined;
    }
  }

  /**
   * Run-queue wait of the child's busiest thread (QEMU's vCPU thread, Node's main thread):
   * seconds it was ready to run but had no core. /proc/PID/task/TID/schedstat holds "time on
   * CPU, time waiting on a run queue, timeslices" in ns (Documentation/scheduler/sched-stats.rst).
   * Wall time of that thread = on CPU + waiting for a core + sleeping (guest idle).
   */
  coreWaitSeconds() {
    try {
      let best = [-1, 0];
      for (const tid of readdirSync(`/proc/${this.proc.pid}/task`)) {
        const [run, wait] = readFileSync(`/proc/${this.proc.pid}/task/${tid}/schedstat`, 'latin1').split(' ').map(Number);
        if (run > best[0]) best = [run, wait];
      }
      return best[0] < 0 ? undefined : best[1] / 1e9;
    } catch {
      return undefined;
    }
  }

  /** The last non-empty serial line (terminal escapes removed), for "where did it stop". */
  lastSerialLine() {
    return lastLine(this.out);
  }

  /** The guest kernel's clock in its last printk line ("[   2.125294] ..."), to show how far a boot got. */
  lastKernelSeconds() {
    const all = [...this.out.matchAll(/^\[\s*(\d+\.\d+)\]/gm)];
    return all.length ? Number(all.at(-1)[1]) : undefined;
  }

  /** Kills the child and waits for it to go (SIGKILL: nothing of the guest needs saving). */
  async kill() {
    if (this.exitInfo) return;
    const gone = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    await gone;
  }
}

export function lastLine(text) {
  const lines = text.replace(ESCAPES, '').split('\n').map((l) => l.trim()).filter(Boolean);
  const l = lines.at(-1) ?? '';
  return l.length > 160 ? `${l.slice(0, 157)}...` : l;
}
