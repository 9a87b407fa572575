// The machine worker: one Pc (guest RAM, CPU, devices) per worker. It runs the guest in slices,
// posts serial output, changed screen rows and a status line to the page, and takes input and
// control messages. Only the core (memory, bus, cpu, devices, machine, boot) is used here.
import { Pc, PcError, type PcStop } from '../../machine/pc.js';
import { BootError } from '../../boot/errors.js';
import { MemoryBlockStore, checkImage, ImageFormatError, type BlockStore } from '../../devices/block/block-store.js';
import { VgaPresenter, type RgbaFrame } from '../../devices/vga/renderer.js';
import type { MachineSetup, PageToWorker, RunState, WorkerToPage } from '../protocol.js';
import { HttpImageError, HttpRangeBlockStore } from './http-block-store.js';
import { checkIsoComplete } from '../image-kind.js';
import { gunzip, gzip, packSnapshot, unpackSnapshot, WebSnapshotError } from '../snapshot.js';

/** The little of the worker global scope used here (the core is compiled without DOM types). */
interface WorkerScope {
  postMessage(message: WorkerToPage, transfer?: Transferable[]): void;
  onmessage: ((ev: { data: PageToWorker }) => void) | null;
}
type Transferable = ArrayBuffer;

/** Wall time per run slice: long enough to amortise, short enough to keep input responsive. */
const SLICE_MS = 12;
const FRAME_MS = 33;
const STATUS_MS = 500;

/** A setup error the user can act on (shown in the page). */
class SetupError extends Error {}

type SavedState = Parameters<Pc['loadState']>[0];

interface Snapshot {
  kind: 'ringmaster-web-snapshot';
  version: 1;
  setup: MachineSetup;
  disk: Uint8Array | null;
  /** Sectors the guest wrote to a disk read by URL (sector number, 512 bytes). */
  diskOverlay?: [number, Uint8Array][];
  state: SavedState;
}

export class MachineHost {
  private pc: Pc | null = null;
  private setup: MachineSetup | null = null;
  private disk: MemoryBlockStore | null = null;
  private streamed: HttpRangeBlockStore[] = [];
  private presenter: VgaPresenter | null = null;
  private state: RunState = 'empty';
  private detail = '';
  private serialOut: number[] = [];
  private lastFrameAt = 0;
  private lastStatusAt = 0;
  private lastStatusInstr = 0;
  private ips = 0;
  private lastText = '';
  private loopScheduled = false;
  private readonly channel: MessageChannel;

  constructor(private readonly scope: WorkerScope) {
    // A MessageChannel ping yields to the event loop without setTimeout's 4 ms clamp.
    this.channel = new MessageChannel();
    this.channel.port1.onmessage = () => this.loop();
  }

  private post(m: WorkerToPage, transfer?: Transferable[]): void {
    this.scope.postMessage(m, transfer);
  }

  handle(m: PageToWorker): void {
    try {
      this.dispatch(m);
    } catch (e) {
      this.post({ type: 'error', message: errorText(e) });
    }
  }

  private dispatch(m: PageToWorker): void {
    switch (m.type) {
      case 'setup':
        this.build(m.setup, null, null, undefined, true);
        if (m.start) this.start();
        else this.setState('paused');
        return;
      case 'start':
        return this.start();
      case 'pause':
        if (this.state === 'running') this.setState('paused');
        return;
      case 'reset':
        return this.reset();
      case 'poweroff':
        if (!this.pc) return;
        this.pc = null;
        this.presenter = null;
        this.setState('off', 'powered off');
        return;
      case 'serial-in':
        this.pc?.com1.receive(m.bytes);
        return;
      case 'key':
        if (m.down) this.pc?.i8042.keyDown(m.code);
        else this.pc?.i8042.keyUp(m.code);
        return;
      case 'ctrl-alt-del': {
        const k = this.pc?.i8042;
        if (!k) return;
        for (const c of ['ControlLeft', 'AltLeft', 'Delete']) k.keyDown(c);
        for (const c of ['Delete', 'AltLeft', 'ControlLeft']) k.keyUp(c);
        return;
      }
      case 'save':
        void this.save();
        return;
      case 'restore':
        void this.restore(m.data, m.start);
        return;
      case 'full-frame':
        this.present(true);
        return;
      case 'peek': {
        const mem = this.pc?.memory;
        const bytes = new Uint8Array(Math.max(0, Math.min(m.length, 65536)));
        if (mem) for (let i = 0; i < bytes.length; i++) bytes[i] = mem.read8(m.address + i);
        this.post({ type: 'peek-result', address: m.address, bytes });
        return;
      }
    }
  }

  /**
   * Builds a fresh board from `setup` (and boots it, unless a saved state follows). `announce`
   * tells the page a new machine replaced the old one (a setup or restore, not a reset), only
   * once nothing can fail any more: a refused setup leaves the running machine's view alone.
   */
  private build(setup: MachineSetup, diskBytes: Uint8Array | null, state: SavedState | null, diskOverlay?: [number, Uint8Array][], announce = false): void {
    const labels = setup.labels ?? {};
    const bytes = (b: ArrayBuffer | undefined) => (b ? new Uint8Array(b) : undefined);
    const stores: { cdrom?: BlockStore; disk?: MemoryBlockStore; streamedDisk?: HttpRangeBlockStore } = {};
    const streamed: HttpRangeBlockStore[] = [];
    if (setup.cdromUrl) {
      const cd = HttpRangeBlockStore.open(setup.cdromUrl, { readOnly: true });
      checkImage('cdrom', setup.cdromUrl, cd.size, (o, l) => cd.read(o, l));
      checkIsoComplete(setup.cdromUrl, cd.size, (o, l) => cd.read(o, l));
      stores.cdrom = cd;
      streamed.push(cd);
    }
    if (setup.diskUrl) {
      const d = HttpRangeBlockStore.open(setup.diskUrl, { readOnly: false });
      checkImage('disk', setup.diskUrl, d.size, (o, l) => d.read(o, l));
      for (const [n, sector] of diskOverlay ?? []) d.overlay.sectors.set(n, new Uint8Array(sector));
      stores.streamedDisk = d;
      streamed.push(d);
    }
    if (setup.cdrom) {
      const cd = new MemoryBlockStore(setup.cdrom, true, labels.cdrom ?? 'CD image');
      checkImage('cdrom', labels.cdrom ?? 'CD image', cd.size, (o, l) => cd.read(o, l));
      checkIsoComplete(labels.cdrom ?? 'CD image', cd.size, (o, l) => cd.read(o, l));
      stores.cdrom = cd;
    }
    const diskData = diskBytes ?? (setup.disk ? new Uint8Array(setup.disk.slice(0)) : null);
    if (diskData) {
      const d = new MemoryBlockStore(diskData, false, labels.disk ?? 'disk image');
      checkImage('disk', labels.disk ?? 'disk image', d.size, (o, l) => d.read(o, l));
      stores.disk = d;
    }
    if (!setup.kernel && !setup.bios) throw new SetupError('choose a kernel, or a BIOS to boot a CD or disk');
    const pc = new Pc({
      memoryBytes: setup.memoryMiB * 1024 * 1024,
      bios: setup.kernel ? undefined : bytes(setup.bios),
      vgaBios: setup.kernel ? undefined : bytes(setup.vgaBios),
      cdrom: stores.cdrom,
      disks: stores.disk ? [stores.disk] : stores.streamedDisk ? [stores.streamedDisk] : [],
      serialSink: (b) => this.serialOut.push(b),
      hostTime: () => performance.now(),
    });
    if (state) pc.loadState(state);
    else this.boot(pc, setup);
    this.pc = pc;
    this.setup = setup;
    this.disk = stores.disk ?? null;
    this.streamed = streamed;
    for (const s of streamed) this.post({ type: 'info', message: `reading ${s.url} (${(s.size / 1048576).toFixed(1)} MiB) by HTTP range requests` });
    this.lastText = '';
    if (announce) this.post({ type: 'built' });
    this.presenter = new VgaPresenter(pc.vga, { text: () => {}, graphics: (f) => this.postFrame(f) }, { textAsPixels: true });
    this.lastStatusInstr = pc.instructions;
    this.present(true);
  }

  private streamedDiskOverlay(): [number, Uint8Array][] {
    const d = this.streamed.find((s) => !s.readOnly);
    return d ? [...d.overlay.sectors.entries()] : [];
  }

  private boot(pc: Pc, setup: MachineSetup): void {
    if (setup.kernel) {
      const initrd = setup.initrd ? new Uint8Array(setup.initrd) : null;
      try {
        pc.bootKernel(new Uint8Array(setup.kernel), initrd, setup.cmdline ?? '');
      } catch (e) {
        // Name the file: the page may hold several images at once.
        const name = setup.labels?.kernel;
        if (e instanceof BootError && name) throw new SetupError(`kernel ${name}: ${e.message}`);
        throw e;
      }
    } else {
      pc.reset();
    }
  }

  private start(): void {
    if (!this.pc) {
      if (!this.setup) throw new SetupError('nothing to start: choose images first');
      this.build(this.setup, null, null);
    }
    this.setState('running');
    this.schedule(0);
  }

  private reset(): void {
    if (!this.setup) return;
    // A direct-boot kernel is loaded again; a BIOS machine resets as on the reset button.
    // The request is served by the next run slice, as a guest's own reset is (and counted alike).
    if (this.pc && !this.setup.kernel) {
      this.pc.requestReset('reset button');
    } else {
      const overlay = this.streamedDiskOverlay();
      this.build(this.setup, this.disk ? this.disk.data : null, null, overlay);
    }
    this.serialOut.length = 0;
    if (this.state !== 'running') this.start();
  }

  private setState(state: RunState, detail = ''): void {
    this.state = state;
    this.detail = detail;
    this.postStatus();
  }

  private schedule(ms: number): void {
    if (this.loopScheduled) return;
    this.loopScheduled = true;
    if (ms <= 0) this.channel.port2.postMessage(0);
    else setTimeout(() => this.channel.port2.postMessage(0), ms);
  }

  private loop(): void {
    this.loopScheduled = false;
    const pc = this.pc;
    if (!pc || this.state !== 'running') return;
    const t0 = performance.now();
    let stop: PcStop = { kind: 'running' };
    let budget = 100_000;
    try {
      while (performance.now() - t0 < SLICE_MS) {
        stop = pc.run(budget);
        if (stop.kind !== 'running') break;
        if (budget < 2_000_000) budget *= 2;
      }
    } catch (e) {
      this.flushSerial();
      this.setState('stopped', `emulator error: ${errorText(e)}`);
      return;
    }
    this.flushSerial();
    const now = performance.now();
    if (now - this.lastFrameAt >= FRAME_MS) this.present(false);
    if (now - this.lastStatusAt >= STATUS_MS) this.postStatus();
    switch (stop.kind) {
      case 'running':
        return this.schedule(0);
      case 'idle':
        return this.schedule(stop.untilNs === Infinity ? 10 : Math.max(1, Math.min(10, stop.untilNs / 1e6)));
      case 'halted-cli':
        this.present(false);
        return this.setState('stopped', 'the CPU halted with interrupts disabled');
      case 'triple-fault':
        return this.setState('stopped', 'triple fault');
      case 'poweroff':
        this.present(false);
        this.pc = null;
        return this.setState('off', 'the guest powered off');
    }
  }

  private flushSerial(): void {
    if (this.serialOut.length === 0) return;
    this.post({ type: 'serial', bytes: Uint8Array.from(this.serialOut) });
    this.serialOut.length = 0;
  }

  private present(full: boolean): void {
    const pc = this.pc;
    if (!pc || !this.presenter) return;
    this.lastFrameAt = performance.now();
    if (full) this.presenter = new VgaPresenter(pc.vga, { text: () => {}, graphics: (f) => this.postFrame(f) }, { textAsPixels: true });
    this.presenter.refresh();
    const text = pc.vga.displayInfo().kind === 'text' ? pc.vga.textScreenString() : '';
    if (text !== this.lastText || full) {
      this.lastText = text;
      this.post({ type: 'screen-text', lines: text ? text.split('\n') : [] });
    }
  }

  private postFrame(f: RgbaFrame): void {
    const rowBytes = f.width * 4;
    const rows = f.data.slice(f.dirtyTop * rowBytes, f.dirtyBottom * rowBytes);
    this.post(
      { type: 'frame', width: f.width, height: f.height, top: f.dirtyTop, bottom: f.dirtyBottom, pixels: rows.buffer },
      [rows.buffer],
    );
  }

  private postStatus(): void {
    const now = performance.now();
    const instr = this.pc?.instructions ?? 0;
    const dt = now - this.lastStatusAt;
    if (this.state === 'running' && dt > 0 && this.lastStatusAt > 0) this.ips = ((instr - this.lastStatusInstr) * 1000) / dt;
    else if (this.state !== 'running') this.ips = 0;
    this.lastStatusAt = now;
    this.lastStatusInstr = instr;
    this.post({ type: 'status', state: this.state, instructions: instr, ips: Math.round(this.ips), resets: this.pc?.resets ?? 0, detail: this.detail });
  }

  private async save(): Promise<void> {
    if (!this.pc || !this.setup) throw new SetupError('no machine to save');
    const wasRunning = this.state === 'running';
    if (wasRunning) this.setState('paused', 'saving snapshot');
    try {
      const snap: Snapshot = {
        kind: 'ringmaster-web-snapshot',
        version: 1,
        setup: { ...this.setup, disk: undefined },
        disk: this.disk ? this.disk.data : null,
        diskOverlay: this.streamedDiskOverlay(),
        state: this.pc.saveState(),
      };
      const data = await gzip(packSnapshot(snap));
      const buf = data.buffer.byteLength === data.byteLength ? (data.buffer as ArrayBuffer) : (data.slice().buffer as ArrayBuffer);
      this.post({ type: 'snapshot', data: buf }, [buf]);
    } catch (e) {
      this.post({ type: 'error', message: `saving the snapshot failed: ${errorText(e)}` });
    }
    if (wasRunning) this.start();
    else this.postStatus();
  }

  private async restore(data: ArrayBuffer, start: boolean): Promise<void> {
    try {
      const snap = unpackSnapshot(await gunzip(new Uint8Array(data))) as Snapshot;
      if (snap?.kind !== 'ringmaster-web-snapshot' || snap.version !== 1) {
        throw new WebSnapshotError('the file is not a Ringmaster browser snapshot of a supported version');
      }
      // Build into a fresh board; the current one stays if this throws.
      const previous = { pc: this.pc, setup: this.setup, disk: this.disk, presenter: this.presenter, streamed: this.streamed };
      try {
        this.build(snap.setup, snap.disk ? new Uint8Array(snap.disk) : null, snap.state, snap.diskOverlay, true);
      } catch (e) {
        Object.assign(this, previous);
        throw e;
      }
      this.post({ type: 'info', message: 'snapshot restored' });
      if (start) this.start();
      else this.setState('paused');
    } catch (e) {
      this.post({ type: 'error', message: `restoring the snapshot failed: ${errorText(e)}` });
    }
  }
}

function errorText(e: unknown): string {
  if (e instanceof SetupError || e instanceof PcError || e instanceof BootError || e instanceof ImageFormatError || e instanceof WebSnapshotError || e instanceof HttpImageError) {
    return e.message;
  }
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

// Worker entry: only when loaded as a worker (a test may import MachineHost directly).
if ('WorkerGlobalScope' in globalThis) {
  const host = new MachineHost(globalThis as unknown as WorkerScope);
  const scope = globalThis as unknown as WorkerScope;
  scope.onmessage = (ev) => host.handle(ev.data);
}
