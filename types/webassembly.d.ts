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
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, Memory | ((...args: never[]) => unknown)>>);
    readonly exports: Record<string, unknown>;
  }
  class CompileError extends Error {}
}
type BufferSource = ArrayBufferView | ArrayBuffer;
