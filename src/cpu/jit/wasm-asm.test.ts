// moduleBytes: modules of translated bodies, with and without a name section (JitOptions.names).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bytes, W, functionBody, moduleBytes } from './wasm-asm.js';

/** A body returning its parameter plus k. */
function addBody(k: number): Uint8Array {
  const code = new Bytes();
  for (const b of [W.LOCAL_GET, 0, W.I32_CONST, k, W.I32_ADD]) code.push(b);
  return functionBody(code, 0, 0);
}

/** The function names of a module's "name" section (Core spec §7.4.2.3), by index. */
function functionNames(m: WebAssembly.Module): string[] {
  const [section] = WebAssembly.Module.customSections(m, 'name');
  const b = new Uint8Array(section);
  let at = 0;
  const uleb = () => { let v = 0; let shift = 0; for (;;) { const x = b[at++]; v |= (x & 0x7f) << shift; shift += 7; if ((x & 0x80) === 0) return v >>> 0; } };
  const names: string[] = [];
  while (at < b.length) {
    const id = b[at++];
    const size = uleb();
    if (id !== 1) { at += size; continue; }
    for (let n = uleb(); n > 0; n--) {
      const index = uleb();
      const len = uleb();
      names[index] = String.fromCharCode(...b.subarray(at, at + len));
      at += len;
    }
  }
  return names;
}

test('moduleBytes: the functions run the same with or without a name section, which names each as given', () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const bodies = [addBody(1), addBody(2), addBody(3)];
  const plain = new WebAssembly.Module(moduleBytes(bodies));
  assert.equal(WebAssembly.Module.customSections(plain, 'name').length, 0);
  const named = new WebAssembly.Module(moduleBytes(bodies, ['gc3001000k_1', 'g8049b40u_3', 'g0k_1']));
  assert.deepEqual(functionNames(named), ['gc3001000k_1', 'g8049b40u_3', 'g0k_1']);
  for (const m of [plain, named]) {
    const e = new WebAssembly.Instance(m, { e: { m: memory } }).exports as Record<string, (x: number) => number>;
    assert.deepEqual([e[0](10), e[1](10), e[2](10)], [11, 12, 13]);
  }
});
