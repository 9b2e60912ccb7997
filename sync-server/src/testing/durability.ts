/** Shared by the SQLite durability test and its child: the author and the bytes written for each counter. */

export const AUTHOR = new Uint8Array(32).fill(0xab);

/** The envelope bytes written for `counter`, so the check covers content, not just presence. */
export function envelopeFor(counter: number): Uint8Array {
  const out = new Uint8Array(200);
  new DataView(out.buffer).setUint32(0, counter);
  out.fill(counter % 251, 4);
  return out;
}
