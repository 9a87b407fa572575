// The loaders' plans run on the real board and CPU: tiny kernels check the entry state each
// protocol promises and echo their command line to the debug console (port 0xE9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pc } from '../machine/pc.js';

const MiB = 1 << 20;

function boot(kernel: Uint8Array, cmdline: string, initrd: Uint8Array | null = null): { out: string; stop: string; kind: string } {
  let out = '';
  const pc = new Pc({ memoryBytes: 32 * MiB, debugconSink: (b) => void (out += String.fromCharCode(b)), tripleFault: 'stop' });
  pc.reset();
  const plan = pc.bootKernel(kernel, initrd, cmdline);
  const stop = pc.run(100_000).kind;
  return { out, stop, kind: plan.kind };
}

// Shared tail: print the NUL-terminated string at EDI to port 0xE9, then HLT; 'F' on failure.
const PRINT_EDI_AND_HALT = [
  0x8a, 0x07, // loop: mov al, [edi]
  0x84, 0xc0, // test al, al
  0x74, 0x05, // jz done
  0xe6, 0xe9, // out 0xE9, al
  0x47, // inc edi
  0xeb, 0xf5, // jmp loop
  0xf4, // done: hlt
];
const FAIL = [0xb0, 0x46, 0xe6, 0xe9, 0xf4]; // mov al, 'F'; out 0xE9, al; hlt

test('Linux 32-bit boot protocol on the board: EBX=EBP=EDI=0, ESI -> boot_params with HdrS, cmd_line_ptr', () => {
  const code = [
    0x89, 0xd8, // mov eax, ebx
    0x09, 0xe8, // or eax, ebp
    0x09, 0xf8, // or eax, edi
    0x75, 0x1e, // jnz fail
    0x81, 0xbe, 0x02, 0x02, 0x00, 0x00, 0x48, 0x64, 0x72, 0x53, // cmp dword [esi+0x202], "HdrS"
    0x75, 0x12, // jne fail
    0x8b, 0xbe, 0x28, 0x02, 0x00, 0x00, // mov edi, [esi+0x228] (cmd_line_ptr)
    ...PRINT_EDI_AND_HALT,
    ...FAIL,
  ];
  const img = new Uint8Array(5 * 512 + 0x1000);
  const v = new DataView(img.buffer);
  img[0x1f1] = 4;
  v.setUint32(0x1f4, 0x100, true);
  v.setUint16(0x1fe, 0xaa55, true);
  img[0x201] = 0x6a;
  v.setUint32(0x202, 0x53726448, true);
  v.setUint16(0x206, 0x020f, true);
  img[0x211] = 0x01;
  v.setUint32(0x214, 0x100000, true);
  v.setUint32(0x22c, 0x7fffffff, true);
  v.setUint32(0x238, 255, true);
  img.set(code, 5 * 512);
  const r = boot(img, 'console=ttyS0 hello', new Uint8Array(4096));
  assert.equal(r.kind, 'linux');
  assert.equal(r.out, 'console=ttyS0 hello');
  assert.equal(r.stop, 'halted-cli');
});

test('Multiboot on the board: EAX=0x2BADB002, EBX -> information structure with the command line', () => {
  const img = new Uint8Array(0x100);
  const v = new DataView(img.buffer);
  const magic = 0x1badb002;
  const flags = 0x00010003;
  [magic, flags, -(magic + flags) >>> 0, 0x100000, 0x100000, 0, 0, 0x100020].forEach((x, i) => v.setUint32(i * 4, x, true));
  const code = [
    0x3d, 0x02, 0xb0, 0xad, 0x2b, // 0: cmp eax, 0x2BADB002
    0x75, 0x14, // 5: jne fail (7 + 0x14 = 27)
    0xf6, 0x03, 0x04, // 7: test byte [ebx], 4 (information flags bit 2: cmdline valid)
    0x74, 0x0f, // 10: jz fail (12 + 0x0f = 27)
    0x8b, 0x7b, 0x10, // 12: mov edi, [ebx+16] (cmdline)
    ...PRINT_EDI_AND_HALT, // 15-26
    ...FAIL, // 27
  ];
  img.set(code, 0x20);
  const r = boot(img, 'multiboot says hi', new Uint8Array(100));
  assert.equal(r.kind, 'multiboot');
  assert.equal(r.out, 'multiboot says hi');
  assert.equal(r.stop, 'halted-cli');
});
