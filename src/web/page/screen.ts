/// <reference lib="dom" />
// The guest's screen on a canvas: the worker renders VGA pixels (text modes with the guest's
// font, cursor and attributes included) and posts only the rows that changed; this puts them in
// place. Keys pressed on the focused canvas go to the i8042 as KeyboardEvent.code names.
import type { PageToWorker, WorkerToPage } from '../protocol.js';

type FrameMessage = Extract<WorkerToPage, { type: 'frame' }>;

export class Screen {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly held = new Set<string>();

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly send: (m: PageToWorker) => void,
  ) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('this browser gives no 2D canvas');
    this.ctx = ctx;
    canvas.addEventListener('keydown', (e) => this.key(e, true));
    canvas.addEventListener('keyup', (e) => this.key(e, false));
    // Keys still down when focus leaves would stay pressed in the guest: release them.
    canvas.addEventListener('blur', () => this.releaseAll());
    canvas.addEventListener('mousedown', () => canvas.focus());
  }

  frame(m: FrameMessage): void {
    const { canvas } = this;
    if (canvas.width !== m.width || canvas.height !== m.height) {
      canvas.width = m.width;
      canvas.height = m.height;
      // Keep the picture at least 640 CSS pixels wide; small modes (320x200) are scaled up.
      canvas.style.width = `${m.width < 640 ? m.width * 2 : m.width}px`;
      if (m.top !== 0 || m.bottom !== m.height) this.send({ type: 'full-frame' });
    }
    const rows = m.bottom - m.top;
    if (rows <= 0) return;
    const image = new ImageData(new Uint8ClampedArray(m.pixels), m.width, rows);
    this.ctx.putImageData(image, 0, m.top);
  }

  clear(): void {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  private key(e: KeyboardEvent, down: boolean): void {
    if (!e.code) return;
    e.preventDefault();
    if (down) {
      if (e.repeat && !this.held.has(e.code)) return;
      this.held.add(e.code);
    } else {
      this.held.delete(e.code);
    }
    this.send({ type: 'key', code: e.code, down });
  }

  releaseAll(): void {
    for (const code of this.held) this.send({ type: 'key', code, down: false });
    this.held.clear();
  }
}
