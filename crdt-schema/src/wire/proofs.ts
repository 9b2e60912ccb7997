/**
 * The exact bytes each signature on the wire covers. Both sides build them
 * here so a device and the relay can never disagree on a proof. Every string
 * is domain-separated by a tag so a signature for one purpose is useless for
 * another. Ids are their UTF-8 text; keys, nonces and numbers are raw bytes
 * (numbers as 8-byte big-endian).
 */
import type { DeviceId, DocId, WorkspaceId } from '../ids.ts';
import type { CapMode } from './frames.ts';

const utf8 = new TextEncoder();

/** Concatenates byte strings (the proofs' building block, also for guest-proofs.ts). */
export function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Text with its length first, so adjacent variable-length fields cannot be shifted into each other. */
export function field(text: string): Uint8Array {
  const bytes = utf8.encode(text);
  return concat([u64(bytes.length), bytes]);
}

/** A number as 8 big-endian bytes. */
export function u64(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

/** Signed by the device key in Hello. */
export function helloProofBytes(nonce: Uint8Array, workspace: WorkspaceId, deviceKey: Uint8Array): Uint8Array {
  return concat([utf8.encode('tendril/hello/v1'), nonce, field(workspace), deviceKey]);
}

/** Signed by a locator key in Locate: bound to this connection's challenge, so a recorded proof does not replay. */
export function locateProofBytes(nonce: Uint8Array, key: Uint8Array): Uint8Array {
  return concat([utf8.encode('tendril/locate/v1'), nonce, key]);
}

/** Signed by the document's read or write capability key in Subscribe. */
export function subscribeProofBytes(nonce: Uint8Array, doc: DocId, mode: CapMode): Uint8Array {
  return concat([utf8.encode('tendril/sub/v1'), nonce, field(doc), new Uint8Array([mode])]);
}

/** Signed by a workspace admin device in Revoke. Not bound to a connection: a revocation is a lasting statement. */
export function revokeBytes(workspace: WorkspaceId, device: DeviceId, at: number): Uint8Array {
  return concat([utf8.encode('tendril/revoke/v1'), field(workspace), field(device), u64(at)]);
}

/** Signed by a registered workspace admin in AddAdmin: `key` becomes an admin too. */
export function addAdminBytes(workspace: WorkspaceId, key: Uint8Array): Uint8Array {
  return concat([utf8.encode('tendril/add-admin/v1'), field(workspace), key]);
}

/** Signed in Enrol by a registered admin, or by an invite's enrollment key. */
export function enrolBytes(workspace: WorkspaceId, device: Uint8Array): Uint8Array {
  return concat([utf8.encode('tendril/enrol/v1'), field(workspace), device]);
}

/** Signed by a registered workspace admin in SetCaps. */
export function setCapsBytes(
  nonce: Uint8Array,
  c: { workspace: WorkspaceId; doc: DocId; writeKey: Uint8Array; readKey: Uint8Array; readers: readonly Uint8Array[] },
): Uint8Array {
  return concat([utf8.encode('tendril/caps/v2'), nonce, field(c.workspace), field(c.doc), c.writeKey, c.readKey, u64(c.readers.length), ...c.readers]);
}
