/// <reference lib="dom" />
// The page: controls, image loading, the screen canvas and the serial terminal. The machine
// itself runs in worker.js; this file only forwards input and draws what the worker posts.
import { Terminal } from '@xterm/xterm';
import type { MachineSetup, PageToWorker, WorkerToPage } from '../protocol.js';
import { guessImageSlot, SNIFF_BYTES, type ImageSlot } from '../image-kind.js';
import { Screen } from './screen.js';
import { fetchWithProgress, LoadError, readFileWithProgress } from './loader.js';

/** A ready-made guest offered by `ringmaster web` (GET api/guests). */
interface GuestPreset {
  id: string;
  title: string;
  memoryMiB: number;
  cmdline?: string;
  urls: Partial<Record<'bios' | 'vgaBios' | 'kernel' | 'initrd' | 'cdrom' | 'disk', string>>;
}

/** What tests and the console can read (window.ringmaster). */
interface PageState {
  status: Extract<WorkerToPage, { type: 'status' }> | null;
  screenText: string[];
  serialText: string;
  messages: { kind: 'error' | 'info'; text: string }[];
  frames: number;
  presets: GuestPreset[];
  /** The daemon VM whose console the terminal shows (null: the page's own machine). */
  attached: { vm: string; writable: boolean } | null;
  bootPreset(id: string): Promise<void>;
  /** The xterm buffer as the user sees it (scrollback included), soft-wrapped rows joined. */
  terminalLines(): string[];
  peek(address: number, length: number): Promise<number[]>;
}

const SERIAL_KEEP = 65536;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const worker = new Worker('worker.js');
const send = (m: PageToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
const screen = new Screen($<HTMLCanvasElement>('screen'), send);
const terminal = new Terminal({ convertEol: false, rows: 25, cols: 80, scrollback: 2000, fontSize: 13 });
terminal.open($('terminal'));
const encoder = new TextEncoder();
terminal.onData((data) => {
  // Typing goes to the daemon VM the terminal is attached to, if any, else to the page's machine.
  if (attached) {
    if (attached.writable && attached.ws.readyState === WebSocket.OPEN) attached.ws.send(encoder.encode(data));
  } else {
    send({ type: 'serial-in', bytes: encoder.encode(data) });
  }
});
let attached: { ws: WebSocket; vm: string; writable: boolean } | null = null;
const serialDecoder = new TextDecoder();

const state: PageState = {
  status: null,
  screenText: [],
  serialText: '',
  messages: [],
  frames: 0,
  presets: [],
  attached: null,
  bootPreset: (id) => bootPreset(id),
  terminalLines: () => terminalLines(),
  peek: (address, length) =>
    new Promise((done) => {
      peekWaiters.push(done);
      send({ type: 'peek', address, length });
    }),
};
const peekWaiters: ((bytes: number[]) => void)[] = [];
(window as unknown as { ringmaster: PageState }).ringmaster = state;

function terminalLines(): string[] {
  const buf = terminal.buffer.active;
  const out: string[] = [];
  for (let i = 0; i < buf.length; i++) {
    const line = buf.getLine(i);
    if (!line) continue;
    // Untrimmed, so a wrap that falls on a space keeps it; trimmed once joined.
    const text = line.translateToString(false);
    if (line.isWrapped && out.length) out[out.length - 1] += text;
    else out.push(text);
  }
  return out.map((l) => l.trimEnd());
}

function serialOut(bytes: Uint8Array): void {
  terminal.write(bytes);
  state.serialText = (state.serialText + serialDecoder.decode(bytes, { stream: true })).slice(-SERIAL_KEEP);
}

function showMessage(kind: 'error' | 'info', text: string): void {
  state.messages.push({ kind, text });
  const el = $('message');
  el.textContent = text;
  el.className = kind;
  el.hidden = false;
}

function clearMessage(): void {
  $('message').hidden = true;
}

worker.onmessage = (ev: MessageEvent<WorkerToPage>) => {
  const m = ev.data;
  switch (m.type) {
    case 'serial':
      if (!attached) serialOut(m.bytes);
      return;
    case 'frame':
      state.frames++;
      screen.frame(m);
      return;
    case 'screen-text':
      state.screenText = m.lines;
      return;
    case 'status': {
      state.status = m;
      const mips = (m.ips / 1e6).toFixed(1);
      const parts = [m.state, `${mips} M instructions/s`, `${m.instructions.toLocaleString('en')} instructions`];
      if (m.resets) parts.push(`${m.resets} reset${m.resets > 1 ? 's' : ''}`);
      if (m.detail) parts.push(m.detail);
      $('status').textContent = parts.join(' · ');
      return;
    }
    case 'error':
      showMessage('error', m.message);
      return;
    case 'info':
      showMessage('info', m.message);
      return;
    case 'built':
      // Only now: a setup or snapshot the worker refused leaves the running machine's screen and
      // terminal as they were.
      terminal.reset();
      state.serialText = '';
      screen.clear();
      return;
    case 'peek-result':
      peekWaiters.shift()?.(Array.from(m.bytes));
      return;
    case 'snapshot':
      download(new Blob([m.data], { type: 'application/octet-stream' }), `ringmaster-${new Date().toISOString().replace(/[:.]/g, '-')}.rmsnap`);
      showMessage('info', `snapshot saved (${(m.data.byteLength / 1048576).toFixed(1)} MiB)`);
      return;
  }
};
worker.onerror = (e) => showMessage('error', `the machine worker failed: ${e.message}`);

function download(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

// ---- loading images ----

const progressBar = $<HTMLProgressElement>('progress');
function progress(done: number, total: number, label: string): void {
  progressBar.hidden = false;
  progressBar.max = total || 1;
  progressBar.value = total ? done : 0;
  progressBar.title = `${label}: ${(done / 1048576).toFixed(1)} MiB`;
}

let busy = false;
async function withBusy(what: () => Promise<void>): Promise<void> {
  if (busy) return showMessage('error', 'still loading the previous images');
  busy = true;
  clearMessage();
  try {
    await what();
  } catch (e) {
    showMessage('error', e instanceof LoadError ? e.message : `${(e as Error).message}`);
  } finally {
    busy = false;
    progressBar.hidden = true;
  }
}

/** Files chosen by drag and drop (they take precedence over the pickers). */
const dropped: Partial<Record<ImageSlot, File>> = {};
const SLOTS = ['kernel', 'initrd', 'cdrom', 'disk'] as const;

async function loadSlot(slot: (typeof SLOTS)[number]): Promise<{ data: ArrayBuffer; label: string } | null> {
  const file = dropped[slot] ?? $<HTMLInputElement>(`${slot}-file`).files?.[0];
  if (file) return { data: await readFileWithProgress(file, progress), label: file.name };
  const url = $<HTMLInputElement>(`${slot}-url`).value.trim();
  if (url) return { data: await fetchWithProgress(url, progress), label: url };
  return null;
}

let firmware: { bios: ArrayBuffer; vgaBios: ArrayBuffer } | null = null;
async function loadFirmware(): Promise<{ bios: ArrayBuffer; vgaBios: ArrayBuffer }> {
  const preset = state.presets.find((p) => p.urls.bios && p.urls.vgaBios);
  if (!preset) throw new LoadError('CDs and disks boot through SeaBIOS, which this server does not provide (run `ringmaster web`)');
  firmware ??= { bios: await fetchWithProgress(preset.urls.bios!, progress), vgaBios: await fetchWithProgress(preset.urls.vgaBios!, progress) };
  return { bios: firmware.bios.slice(0), vgaBios: firmware.vgaBios.slice(0) };
}

function bootSetup(setup: MachineSetup): void {
  detach();
  const transfer = [setup.bios, setup.vgaBios, setup.kernel, setup.initrd, setup.cdrom, setup.disk].filter((b): b is ArrayBuffer => !!b);
  send({ type: 'setup', setup, start: true }, transfer);
  screen.canvas.focus();
}

async function bootChosen(): Promise<void> {
  const memoryMiB = Number($<HTMLInputElement>('memory').value) || 128;
  const setup: MachineSetup = { memoryMiB, cmdline: $<HTMLInputElement>('cmdline').value, labels: {} };
  for (const slot of SLOTS) {
    // A CD or disk given by URL is read by HTTP range requests in the worker, never fetched whole.
    const url = $<HTMLInputElement>(`${slot}-url`).value.trim();
    if ((slot === 'cdrom' || slot === 'disk') && url && !dropped[slot] && !$<HTMLInputElement>(`${slot}-file`).files?.length) {
      setup[slot === 'cdrom' ? 'cdromUrl' : 'diskUrl'] = new URL(url, location.href).href;
      continue;
    }
    const got = await loadSlot(slot);
    if (!got) continue;
    setup[slot] = got.data;
    setup.labels![slot] = got.label;
  }
  if (!setup.kernel && !setup.cdrom && !setup.disk && !setup.cdromUrl && !setup.diskUrl) throw new LoadError('choose a kernel, a CD (ISO) or a disk image first');
  if (!setup.kernel) Object.assign(setup, await loadFirmware());
  bootSetup(setup);
}

async function bootPreset(id: string): Promise<void> {
  const p = state.presets.find((x) => x.id === id);
  if (!p) return showMessage('error', `no guest '${id}' on this server`);
  await withBusy(async () => {
    const setup: MachineSetup = { memoryMiB: p.memoryMiB, cmdline: p.cmdline, labels: {} };
    for (const [slot, url] of Object.entries(p.urls) as [keyof MachineSetup['labels'] & string, string][]) {
      (setup as unknown as Record<string, ArrayBuffer>)[slot] = await fetchWithProgress(url, progress);
      setup.labels![slot as 'kernel'] = url.split('/').pop()!;
    }
    bootSetup(setup);
  });
}

async function restoreFile(file: File): Promise<void> {
  const data = await readFileWithProgress(file, progress);
  send({ type: 'restore', data, start: true }, [data]);
}

/** A dropped file: sniffed and put in its slot; a snapshot is restored at once. */
async function takeDropped(file: File): Promise<void> {
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  const slot = guessImageSlot(file.name, head);
  if (!slot) {
    throw new LoadError(`${file.name} is not a kernel, initrd, ISO, disk image or snapshot Ringmaster recognises`);
  }
  if (slot === 'snapshot') return restoreFile(file);
  dropped[slot] = file;
  showMessage('info', `${file.name} → ${slot}; press "Boot these images"`);
}

// ---- controls ----

$('start').onclick = () => send({ type: 'start' });
$('pause').onclick = () => send({ type: 'pause' });
$('reset').onclick = () => send({ type: 'reset' });
$('poweroff').onclick = () => send({ type: 'poweroff' });
$('cad').onclick = () => {
  send({ type: 'ctrl-alt-del' });
  screen.canvas.focus();
};
$('save').onclick = () => send({ type: 'save' });
$('boot').onclick = () => void withBusy(bootChosen);
$<HTMLInputElement>('restore').onchange = (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (f) void withBusy(() => restoreFile(f));
  (e.target as HTMLInputElement).value = '';
};
for (const slot of SLOTS) {
  // Picking a file in a slot replaces an earlier drop into that slot; a wrong kind is said at once.
  $<HTMLInputElement>(`${slot}-file`).onchange = (e) => {
    delete dropped[slot];
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) void withBusy(() => checkPicked(slot, f));
  };
}

async function checkPicked(slot: ImageSlot, file: File): Promise<void> {
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  const kind = guessImageSlot(file.name, head);
  if (file.size === 0) throw new LoadError(`${file.name} is empty`);
  if (kind === null) throw new LoadError(`${file.name} does not look like a ${slot} image (Ringmaster will still try it)`);
}

document.addEventListener('dragover', (e) => {
  e.preventDefault();
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
document.addEventListener('drop', (e) => {
  e.preventDefault();
  document.body.classList.remove('dragging');
  const files = Array.from(e.dataTransfer?.files ?? []);
  void withBusy(async () => {
    for (const f of files) await takeDropped(f);
  });
});

// ---- ready-made guests from the server ----

async function loadPresets(): Promise<void> {
  let presets: GuestPreset[] = [];
  try {
    const r = await fetch('api/guests');
    if (r.ok) presets = (await r.json()) as GuestPreset[];
  } catch {
    // A static copy of the page has no server API: files and URLs still work.
  }
  state.presets = presets;
  const box = $('guests');
  for (const p of presets) {
    const b = document.createElement('button');
    b.type = 'button';
    b.id = `guest-${p.id}`;
    b.textContent = `Boot ${p.title}`;
    b.onclick = () => void bootPreset(p.id);
    box.append(b);
  }
  document.body.dataset.ready = '1';
}
void loadPresets();

// ---- a running daemon's VMs (served by `ringmaster web` when a daemon is reachable) ----

async function listDaemonVms(): Promise<void> {
  const box = $('daemon-vms');
  box.textContent = '';
  const r = await fetch('api/daemon/vms').catch(() => null);
  if (!r || !r.ok) return showMessage('error', 'this server does not reach a Ringmaster daemon');
  const list = (await r.json()) as { vms: { name: string; state: string }[]; error?: string; writable: boolean };
  if (list.error) return showMessage('error', list.error);
  if (list.vms.length === 0) box.textContent = 'the daemon runs no VMs';
  for (const vm of list.vms) {
    const b = document.createElement('button');
    b.type = 'button';
    b.id = `attach-${vm.name}`;
    b.textContent = `${vm.name} (${vm.state})`;
    b.onclick = () => attach(vm.name);
    box.append(b);
  }
}

function attach(vm: string): void {
  detach();
  const token = new URLSearchParams(location.search).get('token');
  const url = new URL(`api/daemon/vms/${encodeURIComponent(vm)}/console`, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token) url.searchParams.set('token', token);
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const a = { ws, vm, writable: false };
  attached = a;
  terminal.reset();
  state.serialText = '';
  ws.onmessage = (ev: MessageEvent<ArrayBuffer | string>) => {
    if (typeof ev.data === 'string') {
      const hello = JSON.parse(ev.data) as { writable: boolean };
      a.writable = hello.writable;
      state.attached = { vm, writable: hello.writable };
      showMessage('info', `attached to ${vm}'s console${hello.writable ? '' : ' (read-only: start ringmaster web with --token to type)'}`);
      $('detach').hidden = false;
      return;
    }
    serialOut(new Uint8Array(ev.data));
  };
  ws.onerror = () => showMessage('error', `could not attach to ${vm}'s console`);
  ws.onclose = () => {
    if (attached === a) detach();
  };
}

function detach(): void {
  if (!attached) return;
  const ws = attached.ws;
  attached = null;
  state.attached = null;
  ws.close();
  $('detach').hidden = true;
}

$('daemon-list').onclick = () => void listDaemonVms();
$('detach').onclick = () => detach();
