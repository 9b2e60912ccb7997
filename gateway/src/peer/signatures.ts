/**
 * Signatures a gateway checks itself, never trusting the relay or the
 * document's other writers: a device's request to start or end a session
 * (stored in the workspace index), and each input frame a device types.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { concatBytes, type CryptoProvider, type DeviceIdentity } from '@tendril/crdt-schema/crypto';
import { parseDeviceId, publicKeyOfDevice, type DeviceId, type DocId, type SessionId } from '@tendril/crdt-schema/ids';


export interface SessionRequest {
  readonly kind: 'start' | 'end';
  readonly session: SessionId;
  readonly doc: DocId;
  readonly gateway: DeviceId;
  readonly title: string;
  readonly cwd: string;
  readonly requester: DeviceId;
  /** The agent the session is for (agent-instructions.ts `AGENT_KINDS`); absent or '' for a plain shell. */
  readonly agent?: string;
  /** The requester's own instructions for the agent, added to the gateway's defaults. */
  readonly notes?: string;
}

/** v1 carries no agent configuration (older devices); v2 adds agent and notes. */
function requestBody(r: SessionRequest): Uint8Array {
  const e = encoding.createEncoder();
  const v2 = Boolean(r.agent) || Boolean(r.notes);
  encoding.writeVarString(e, v2 ? 'tendril/term-request/v2' : 'tendril/term-request/v1');
  for (const field of [r.kind, r.session, r.doc, r.gateway, r.title, r.cwd, r.requester]) encoding.writeVarString(e, field);
  if (v2) for (const field of [r.agent ?? '', r.notes ?? '']) encoding.writeVarString(e, field);
  return encoding.toUint8Array(e);
}

/** `body || signature`: the layout of every signed request here. */
export function signed(crypto: CryptoProvider, body: Uint8Array, by: DeviceIdentity): Uint8Array {
  return concatBytes(body, crypto.sign(body, by.signSecretKey.expose()));
}

/** Parses the body of a signed request and checks the signature by the device the body names; null otherwise. */
export function openSigned<T>(crypto: CryptoProvider, bytes: Uint8Array, parse: (body: Uint8Array) => T | null, signer: (r: T) => DeviceId): T | null {
  try {
    if (bytes.length < 64) return null;
    const body = bytes.subarray(0, bytes.length - 64);
    const r = parse(body);
    return r !== null && crypto.verify(bytes.subarray(bytes.length - 64), body, publicKeyOfDevice(signer(r))) ? r : null;
  } catch {
    return null;
  }
}

export function signSessionRequest(crypto: CryptoProvider, r: SessionRequest, requester: DeviceIdentity): Uint8Array {
  return signed(crypto, requestBody(r), requester);
}

/** The request when its signature by the named requester verifies, else null. */
export function openSessionRequest(crypto: CryptoProvider, bytes: Uint8Array): SessionRequest | null {
  return openSigned(crypto, bytes, (body): SessionRequest | null => {
    const d = decoding.createDecoder(body);
    const version = decoding.readVarString(d);
    if (version !== 'tendril/term-request/v1' && version !== 'tendril/term-request/v2') return null;
    const [kind, session, doc, gateway, title, cwd, requester] = Array.from({ length: 7 }, () => decoding.readVarString(d));
    const [agent, notes] = version === 'tendril/term-request/v2' ? [decoding.readVarString(d), decoding.readVarString(d)] : ['', ''];
    if (decoding.hasContent(d) || (kind !== 'start' && kind !== 'end')) return null;
    return {
      kind, session: session as SessionId, doc: doc as DocId, gateway: parseDeviceId(gateway), title: title!, cwd: cwd!, requester: parseDeviceId(requester),
      ...(agent ? { agent } : {}), ...(notes ? { notes } : {}),
    };
  }, (r) => r.requester);
}

/** The bytes a device signs for one input frame: bound to the session and the counter. */
export function inputSigned(session: SessionId, counter: number, data: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, 'tendril/term-input/v1');
  encoding.writeVarString(e, session);
  encoding.writeVarUint(e, counter);
  encoding.writeVarUint8Array(e, data);
  return encoding.toUint8Array(e);
}

export function signInput(crypto: CryptoProvider, device: DeviceIdentity, session: SessionId, counter: number, data: Uint8Array): Uint8Array {
  return crypto.sign(inputSigned(session, counter, data), device.signSecretKey.expose());
}

export function verifyInput(crypto: CryptoProvider, device: DeviceId, session: SessionId, counter: number, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return signature.length === 64 && crypto.verify(signature, inputSigned(session, counter, data), publicKeyOfDevice(device));
  } catch {
    return false;
  }
}


/** The bytes the owner (or an admin) signs to list a device as a writer of a session. */
function writerSigned(session: SessionId, device: DeviceId, addedBy: DeviceId): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, 'tendril/term-writer/v1');
  for (const field of [session, device, addedBy]) encoding.writeVarString(e, field);
  return encoding.toUint8Array(e);
}

export function signWriter(crypto: CryptoProvider, by: DeviceIdentity, session: SessionId, device: DeviceId): Uint8Array {
  return crypto.sign(writerSigned(session, device, by.deviceId), by.signSecretKey.expose());
}

export function verifyWriter(crypto: CryptoProvider, session: SessionId, w: { device: DeviceId; addedBy: DeviceId; signature?: Uint8Array }): boolean {
  try {
    return w.signature?.length === 64 && crypto.verify(w.signature, writerSigned(session, w.device, w.addedBy), publicKeyOfDevice(w.addedBy));
  } catch {
    return false;
  }
}

/** The bytes a gateway signs to name the owner it verified from a session's signed start request. */
function ownerSigned(session: SessionId, owner: DeviceId): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, 'tendril/term-owner/v1');
  for (const field of [session, owner]) encoding.writeVarString(e, field);
  return encoding.toUint8Array(e);
}

export function signOwner(crypto: CryptoProvider, gateway: DeviceIdentity, session: SessionId, owner: DeviceId): Uint8Array {
  return crypto.sign(ownerSigned(session, owner), gateway.signSecretKey.expose());
}

export function verifyOwner(crypto: CryptoProvider, gateway: DeviceId, session: SessionId, owner: DeviceId, proof: Uint8Array): boolean {
  try {
    return proof.length === 64 && crypto.verify(proof, ownerSigned(session, owner), publicKeyOfDevice(gateway));
  } catch {
    return false;
  }
}

/** A device's request to move a file into or out of a session's working directory, or to list a folder there. */
export interface FileRequest {
  /** `list`: `path` names a folder ('' for the working directory itself); the listing comes back like a download. */
  readonly kind: 'upload' | 'download' | 'list';
  readonly session: SessionId;
  /** The transfer id (random per transfer; the gateway refuses one it has seen from the device). */
  readonly id: number;
  /** Relative to the session's working directory. */
  readonly path: string;
  /** Uploads: the exact byte count and SHA-256 the file must have; downloads: 0 and empty. */
  readonly size: number;
  readonly sha256: Uint8Array;
  readonly overwrite: boolean;
  /** When it was made (ms); the gateway refuses requests far from its own clock. */
  readonly at: number;
  readonly device: DeviceId;
}

function fileRequestBody(r: FileRequest): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, 'tendril/term-file/v1');
  encoding.writeVarString(e, r.kind);
  encoding.writeVarString(e, r.session);
  encoding.writeVarUint(e, r.id);
  encoding.writeVarString(e, r.path);
  encoding.writeVarUint(e, r.size);
  encoding.writeVarUint8Array(e, r.sha256);
  encoding.writeUint8(e, r.overwrite ? 1 : 0);
  encoding.writeVarUint(e, r.at);
  encoding.writeVarString(e, r.device);
  return encoding.toUint8Array(e);
}

export function signFileRequest(crypto: CryptoProvider, device: DeviceIdentity, r: Omit<FileRequest, 'device'>): Uint8Array {
  return signed(crypto, fileRequestBody({ ...r, device: device.deviceId }), device);
}

/** The request when it parses exactly and its signature by the named device verifies, else null. */
export function openFileRequest(crypto: CryptoProvider, bytes: Uint8Array): FileRequest | null {
  return openSigned(crypto, bytes, (body): FileRequest | null => {
    const d = decoding.createDecoder(body);
    if (decoding.readVarString(d) !== 'tendril/term-file/v1') return null;
    const kind = decoding.readVarString(d);
    if (kind !== 'upload' && kind !== 'download' && kind !== 'list') return null;
    const r: FileRequest = {
      kind, session: decoding.readVarString(d) as SessionId, id: decoding.readVarUint(d), path: decoding.readVarString(d), size: decoding.readVarUint(d),
      sha256: decoding.readVarUint8Array(d), overwrite: decoding.readUint8(d) === 1, at: decoding.readVarUint(d), device: parseDeviceId(decoding.readVarString(d)),
    };
    return decoding.hasContent(d) ? null : r;
  }, (r) => r.device);
}

/** What the gateway signs when a transfer completes: the file's size and SHA-256, bound to the session and transfer. */
function fileDoneSigned(session: SessionId, id: number, size: number, sha256: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, 'tendril/term-file-done/v1');
  encoding.writeVarString(e, session);
  encoding.writeVarUint(e, id);
  encoding.writeVarUint(e, size);
  encoding.writeVarUint8Array(e, sha256);
  return encoding.toUint8Array(e);
}

export function signFileDone(crypto: CryptoProvider, gateway: DeviceIdentity, session: SessionId, id: number, size: number, sha256: Uint8Array): Uint8Array {
  return crypto.sign(fileDoneSigned(session, id, size, sha256), gateway.signSecretKey.expose());
}

export function verifyFileDone(crypto: CryptoProvider, gateway: DeviceId, session: SessionId, id: number, size: number, sha256: Uint8Array, signature: Uint8Array): boolean {
  try {
    return signature.length === 64 && crypto.verify(signature, fileDoneSigned(session, id, size, sha256), publicKeyOfDevice(gateway));
  } catch {
    return false;
  }
}
