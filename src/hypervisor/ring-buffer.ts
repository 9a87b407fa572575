// A bounded byte ring buffer for a VM's serial output (`GET /vms/{name}/logs`): keeps the last
// `capacity` bytes and counts everything that ever passed through.

export class ByteRing {
  private readonly buf: Uint8Array;
  private start = 0;
  private length = 0;
  /** Bytes written since creation, including those already overwritten. */
  total = 0;

  constructor(readonly capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  write(bytes: Uint8Array): void {
    this.total += bytes.length;
    let src = bytes;
    if (src.length >= this.capacity) {
      this.buf.set(src.subarray(src.length - this.capacity));
      this.start = 0;
      this.length = this.capacity;
      return;
    }
    let end = (this.start + this.length) % this.capacity;
    while (src.length > 0) {
      const n = Math.min(src.length, this.capacity - end);
      this.buf.set(src.subarray(0, n), end);
      src = src.subarray(n);
      end = (end + n) % this.capacity;
    }
    this.length += bytes.length;
    if (this.length > this.capacity) {
      this.start = (this.start + this.length - this.capacity) % this.capacity;
      this.length = this.capacity;
    }
  }

  /** The retained bytes, oldest first (a copy). */
  contents(): Uint8Array {
    const out = new Uint8Array(this.length);
    const first = Math.min(this.length, this.capacity - this.start);
    out.set(this.buf.subarray(this.start, this.start + first));
    out.set(this.buf.subarray(0, this.length - first), first);
    return out;
  }
}
