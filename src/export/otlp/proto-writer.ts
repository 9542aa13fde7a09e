/**
 * The one protobuf writer of the agent (the OTLP request encoder and the staleness markers use it):
 * field tags, varints, fixed64, doubles, strings and length-delimited fields, written in order into
 * one buffer. Callers that know a message's size up front (request-encoder.ts computes every size
 * before writing) pass it as the capacity and the buffer never grows.
 */

/** protobuf wire types. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;

const TWO_32 = 0x1_0000_0000;

/** Bytes a varint of a non-negative integer below 2^53 takes (lengths, tags, counts). */
export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x20_0000) return 3;
  if (n < 0x1000_0000) return 4;
  let size = 5;
  for (let v = Math.floor(n / 0x8_0000_0000); v > 0; v = Math.floor(v / 0x80)) size++;
  return size;
}

/** Bytes of a length-delimited field (tag below 16, i.e. one byte) holding `length` bytes. */
export function lenFieldSize(length: number): number {
  return 1 + varintSize(length) + length;
}

export class ProtoWriter {
  #buf: Buffer;
  #view: DataView;
  pos = 0;

  /** `into`: write into this buffer (a request buffer used again) while it has room, instead of a new one. */
  constructor(capacity = 256, into?: Buffer) {
    // Not from Buffer's shared pool: a request is handed on as this very buffer (finish()).
    this.#buf = into && into.length >= capacity ? into : Buffer.allocUnsafeSlow(capacity);
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.length);
  }

  /** The buffer written into (more than the bytes written when it was given larger). */
  get buffer(): Buffer {
    return this.#buf;
  }

  #ensure(n: number): void {
    if (this.pos + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.#buf.length * 2, this.pos + n));
    this.#buf.copy(next, 0, 0, this.pos);
    this.#buf = next;
    this.#view = new DataView(next.buffer, next.byteOffset, next.length);
  }

  /** Starts over, keeping the buffer (a scratch writer for cached encodings). */
  reset(): void {
    this.pos = 0;
  }

  /** A varint of a non-negative integer below 2^53. */
  varint(n: number): void {
    this.#ensure(10);
    const buf = this.#buf;
    let v = n;
    while (v >= TWO_32) {
      buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    let low = v >>> 0;
    while (low > 0x7f) {
      buf[this.pos++] = (low & 0x7f) | 0x80;
      low >>>= 7;
    }
    buf[this.pos++] = low;
  }

  /** An int64 varint of any integer (negative ones take ten bytes, two's complement). */
  int64(n: number): void {
    if (n >= 0 && n < Number.MAX_SAFE_INTEGER) return this.varint(n);
    let v = BigInt.asUintN(64, BigInt(Math.trunc(n)));
    this.#ensure(10);
    while (v > 0x7fn) {
      this.#buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#buf[this.pos++] = Number(v);
  }

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** Raw bytes, already encoded (cached fields). */
  raw(bytes: Uint8Array): void {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Bytes as a length-delimited field. */
  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, LEN);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  stringField(field: number, s: string, byteLength = Buffer.byteLength(s, 'utf8')): void {
    this.tag(field, LEN);
    this.varint(byteLength);
    this.#ensure(byteLength);
    this.pos += this.#buf.write(s, this.pos, byteLength, 'utf8');
  }

  varintField(field: number, n: number): void {
    this.tag(field, VARINT);
    this.varint(n);
  }

  doubleField(field: number, x: number): void {
    this.tag(field, FIXED64);
    this.#ensure(8);
    this.#view.setFloat64(this.pos, x, true);
    this.pos += 8;
  }

  /** Two 32-bit halves of a 64-bit fixed field, little-endian. */
  fixed64Field(field: number, low: number, high: number): void {
    this.tag(field, FIXED64);
    this.#ensure(8);
    this.#view.setUint32(this.pos, low, true);
    this.#view.setUint32(this.pos + 4, high, true);
    this.pos += 8;
  }

  /** An HrTime ([seconds, nanoseconds]) as fixed64 nanoseconds since the epoch. */
  hrTimeField(field: number, time: readonly [number, number]): void {
    // seconds × 1e9 exceeds 2^53 for today's dates: multiply the seconds' two 16-bit halves apart.
    const [seconds, nanos] = time;
    const lowSeconds = seconds % 0x1_0000;
    const highSeconds = Math.floor(seconds / 0x1_0000);
    const lowPart = lowSeconds * 1e9 + nanos; // < 2^47
    const highPart = highSeconds * 1e9; // to be shifted left 16 bits
    const highPartLow = (highPart % 0x1_0000) * 0x1_0000; // < 2^32
    const sumLow = (lowPart % TWO_32) + highPartLow;
    const low = sumLow % TWO_32;
    const high = Math.floor(lowPart / TWO_32) + Math.floor(highPart / 0x1_0000) + Math.floor(sumLow / TWO_32);
    this.fixed64Field(field, low >>> 0, high >>> 0);
  }

  /** A bigint of nanoseconds as fixed64. */
  nanosField(field: number, nanos: bigint): void {
    const v = BigInt.asUintN(64, nanos);
    this.fixed64Field(field, Number(v & 0xffff_ffffn), Number(v >> 32n));
  }

  /** An integer as sfixed64 (two's complement; a fraction is cut towards zero). */
  sfixed64Field(field: number, n: number): void {
    const v = Math.trunc(n);
    this.fixed64Field(field, (v % TWO_32) >>> 0, Math.floor(v / TWO_32) >>> 0);
  }

  /** The bytes written so far (the buffer itself when exactly filled, else a copy that fits). */
  finish(): Buffer {
    return this.pos === this.#buf.length ? this.#buf : this.copy();
  }

  /** A copy of the bytes written so far (small ones share Buffer's pool slabs, so caching many costs little). */
  copy(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.pos));
  }
}

/** A message written by `write` into a writer of its own: for nested messages off the hot path. */
export function message(write: (w: ProtoWriter) => void): Buffer {
  const w = new ProtoWriter();
  write(w);
  return w.finish();
}
