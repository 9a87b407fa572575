// Machine state (Pc.saveState(): plain data, typed arrays, numbers that may be Infinity) to
// JSON text and back, for snapshot files. Typed arrays are tagged with their type so a restore
// gets the same classes back; guest RAM does not pass through here (snapshot-file.ts compresses
// it by chunks).

const TYPED: Record<string, new (b: ArrayBuffer) => ArrayBufferView> = {
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  Uint8ClampedArray,
};

export function encodeState(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key: string, v: unknown) {
    if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) };
    if (typeof v === 'bigint') return { $big: v.toString() };
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      return { $ta: v.constructor.name, b64: bytes.toString('base64') };
    }
    return v;
  });
}

export function decodeState(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && typeof o.$num === 'string') return Number(o.$num);
    if (keys.length === 1 && typeof o.$big === 'string') return BigInt(o.$big);
    if (keys.length === 2 && typeof o.$ta === 'string' && typeof o.b64 === 'string') {
      const ctor = TYPED[o.$ta];
      if (!ctor) throw new Error(`unknown typed array ${o.$ta}`);
      const bytes = Buffer.from(o.b64, 'base64');
      const ab = new ArrayBuffer(bytes.length);
      new Uint8Array(ab).set(bytes);
      return new ctor(ab);
    }
    return v;
  });
}
