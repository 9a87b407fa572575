// The part of the WebAssembly JS API the core uses, for tsconfig.core.json (compiled without
// Node's or the DOM's types; both environments provide this API). Declarations from the
// WebAssembly JavaScript Interface spec, §5.
declare namespace WebAssembly {
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer;
  }
  class Module {
    constructor(bytes: BufferSource);
  }
  interface TableDescriptor {
    element: 'anyfunc';
    initial: number;
    maximum?: number;
  }
  class Table {
    constructor(descriptor: TableDescriptor);
    readonly length: number;
    get(index: number): unknown;
    set(index: number, value: unknown): void;
    grow(delta: number): number;
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, Memory | Table | ((...args: never[]) => unknown)>>);
    readonly exports: Record<string, unknown>;
  }
  class CompileError extends Error {}
}
type BufferSource = ArrayBufferView | ArrayBuffer;
