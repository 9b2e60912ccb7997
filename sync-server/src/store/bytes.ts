/** Small byte helpers shared by the store implementations. */

/** Lowercase hex: a stable map key for a public key. */
export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** A standalone Uint8Array copy of a Buffer or view (SQLite returns Buffers). */
export function toBytes(buf: Uint8Array): Uint8Array {
  return new Uint8Array(buf);
}

/** Concatenates equal-length keys into one blob column. */
export function packKeys(keys: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(keys.reduce((n, k) => n + k.length, 0));
  let o = 0;
  for (const k of keys) {
    out.set(k, o);
    o += k.length;
  }
  return out;
}

/** Splits a packed blob back into keys of `size` bytes. */
export function unpackKeys(packed: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o + size <= packed.length; o += size) out.push(new Uint8Array(packed.subarray(o, o + size)));
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
