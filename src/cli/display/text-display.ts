// `--display text`: draws the VGA text screen on a terminal with ANSI escape sequences (ECMA-48
// CUP, SGR; DEC private modes 25 and 1049). Only rows that changed since the previous screen are
// redrawn; colours come from the cell attributes (16 ANSI colours, or 24-bit colour from the
// guest's DAC palette); the hardware cursor becomes the terminal cursor. In graphics modes it
// shows a one-line notice instead of pixels.

import { cp437ToUnicode } from '../../devices/vga/cp437.js';
import { VgaPresenter, type RgbaFrame, type VgaDisplaySource, type VgaRenderer } from '../../devices/vga/renderer.js';
import type { TextScreen } from '../../devices/vga/text.js';

/** Where escape sequences go (process.stdout, or a buffer in tests). */
export interface TerminalOutput {
  write(s: string): unknown;
}

export interface TextDisplayOptions {
  /** 'ansi16': the 16 standard colours; 'truecolor': 24-bit SGR from the guest palette. */
  colors?: 'ansi16' | 'truecolor';
  /** Switch to the alternate screen on start and back on close (default true). */
  alternateScreen?: boolean;
  /** First terminal row used (1-based), to leave room for a status line above. */
  top?: number;
}

const ESC = '\x1b[';
/** VGA colour order (blue=1, green=2, red=4) to ANSI order (red=1, green=2, blue=4). */
const VGA_TO_ANSI = [0, 4, 2, 6, 1, 5, 3, 7] as const;

export class TerminalTextDisplay implements VgaRenderer {
  private previous: Uint16Array | null = null;
  private prevCols = 0;
  private prevPalette = '';
  private started = false;
  private notice = '';
  private readonly colors: 'ansi16' | 'truecolor';
  private readonly top: number;

  constructor(
    private readonly out: TerminalOutput,
    private readonly options: TextDisplayOptions = {},
  ) {
    this.colors = options.colors ?? 'ansi16';
    this.top = options.top ?? 1;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    if (this.options.alternateScreen ?? true) this.out.write(`${ESC}?1049h`);
    this.out.write(`${ESC}2J`);
  }

  text(screen: TextScreen): void {
    this.start();
    const palette = Array.from(screen.palette).join(',');
    const full =
      !this.previous ||
      this.previous.length !== screen.chars.length ||
      this.prevCols !== screen.cols ||
      (this.colors === 'truecolor' && palette !== this.prevPalette) ||
      this.notice !== '';
    if (full && this.notice) this.out.write(`${ESC}0m${ESC}2J`);
    this.notice = '';
    let s = `${ESC}?25l`;
    for (let r = 0; r < screen.rows; r++) {
      const from = r * screen.cols;
      if (!full && rowEqual(this.previous!, screen.chars, from, screen.cols)) continue;
      s += `${ESC}${this.top + r};1H${this.row(screen, from)}`;
    }
    s += `${ESC}0m`;
    const c = screen.cursor;
    if (c.visible) s += `${ESC}${this.top + c.y};${c.x + 1}H${ESC}?25h`;
    this.out.write(s);
    this.previous = screen.chars.slice();
    this.prevCols = screen.cols;
    this.prevPalette = palette;
  }

  graphics(frame: RgbaFrame): void {
    this.start();
    const notice = `[graphics mode ${frame.width}x${frame.height}: not shown on a text display]`;
    if (notice === this.notice) return;
    this.notice = notice;
    this.previous = null;
    this.out.write(`${ESC}?25l${ESC}0m${ESC}2J${ESC}${this.top};1H${notice}`);
  }

  /** Restores the terminal (attributes, cursor, main screen). */
  close(): void {
    if (!this.started) return;
    this.started = false;
    this.out.write(`${ESC}0m${ESC}?25h`);
    if (this.options.alternateScreen ?? true) this.out.write(`${ESC}?1049l`);
  }

  private row(screen: TextScreen, from: number): string {
    let s = '';
    let lastAttr = -1;
    for (let i = from; i < from + screen.cols; i++) {
      const cell = screen.chars[i]!;
      const attr = cell >> 8;
      if (attr !== lastAttr) {
        s += this.sgr(screen, attr);
        lastAttr = attr;
      }
      s += cp437ToUnicode(cell & 0xff);
    }
    return s;
  }

  private sgr(screen: TextScreen, attr: number): string {
    const fg = attr & 0x0f;
    const blink = screen.blinkEnabled && (attr & 0x80) !== 0;
    const bg = screen.blinkEnabled ? (attr >> 4) & 7 : attr >> 4;
    const parts = ['0'];
    if (this.colors === 'truecolor') {
      const f = screen.palette[fg]!;
      const b = screen.palette[bg]!;
      parts.push(`38;2;${f >>> 16};${(f >>> 8) & 0xff};${f & 0xff}`, `48;2;${b >>> 16};${(b >>> 8) & 0xff};${b & 0xff}`);
    } else {
      parts.push(String((fg & 8 ? 90 : 30) + VGA_TO_ANSI[fg & 7]!), String((bg & 8 ? 100 : 40) + VGA_TO_ANSI[bg & 7]!));
    }
    if (blink) parts.push('5');
    return `${ESC}${parts.join(';')}m`;
  }
}

function rowEqual(a: Uint16Array, b: Uint16Array, from: number, n: number): boolean {
  for (let i = from; i < from + n; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface AttachedTextDisplay {
  /** Draws what changed now (also called by the timer). */
  refresh(): void;
  /** Stops the timer and restores the terminal. */
  close(): void;
}

/**
 * Shows a VGA on a terminal for `--display text`: refreshes every `intervalMs` (default 50 ms,
 * 20 Hz) on a timer that does not keep the process alive. Usage:
 * `const d = attachTextDisplay(machine.vga, process.stdout); ... d.close();`
 */
export function attachTextDisplay(
  vga: VgaDisplaySource,
  out: TerminalOutput,
  options: TextDisplayOptions & { intervalMs?: number } = {},
): AttachedTextDisplay {
  const display = new TerminalTextDisplay(out, options);
  const presenter = new VgaPresenter(vga, display);
  const timer = setInterval(() => presenter.refresh(), options.intervalMs ?? 50);
  timer.unref?.();
  presenter.refresh();
  return {
    refresh: () => presenter.refresh(),
    close: () => {
      clearInterval(timer);
      presenter.refresh();
      display.close();
    },
  };
}
