/**
 * A minimal binary container for the app's own formats (presence payloads,
 * backups): u32 big-endian integers and length-prefixed byte strings.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';

export class ByteWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  u32(n: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n);
    return this.raw(b);
  }
  raw(bytes: Uint8Array): this {
    this.parts.push(bytes);
    this.size += bytes.length;
    return this;
  }
  /** Length-prefixed bytes. */
  bytes(bytes: Uint8Array): this {
    return this.u32(bytes.length).raw(bytes);
  }
  text(s: string): this {
    return this.bytes(new TextEncoder().encode(s));
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

export class ByteReader {
  private at = 0;
  private readonly b: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.b = bytes;
  }
  private need(n: number): void {
    if (this.at + n > this.b.length) throw new TendrilError('E_BAD_INPUT', 'truncated data');
  }
  u32(): number {
    this.need(4);
    const n = new DataView(this.b.buffer, this.b.byteOffset + this.at, 4).getUint32(0);
    this.at += 4;
    return n;
  }
  raw(n: number): Uint8Array {
    this.need(n);
    const out = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  bytes(): Uint8Array {
    return this.raw(this.u32());
  }
  text(): string {
    return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes());
  }
  /** Everything not read yet. */
  rest(): Uint8Array {
    const out = this.b.subarray(this.at);
    this.at = this.b.length;
    return out;
  }
  get done(): boolean {
    return this.at === this.b.length;
  }
}
