/**
 * Signatures a gateway checks itself, never trusting the relay or the
 * document's other writers: a device's request to start or end a session
 * (stored in the workspace index), and each input frame a device types.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import type { DeviceIdentity } from '@tendril/crdt-schema/crypto';
import { parseDeviceId, publicKeyOfDevice, type DeviceId, type DocId, type SessionId } from '@tendril/crdt-schema/ids';


export interface SessionRequest {
  readonly kind: 'start' | 'end';
  readonly session: SessionId;
  readonly doc: DocId;
  readonly gateway: DeviceId;
  readonly title: string;
  readonly cwd: string;
  readonly requester: DeviceId;
}

function requestBody(r: SessionRequest): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, 'tendril/term-request/v1');
  for (const field of [r.kind, r.session, r.doc, r.gateway, r.title, r.cwd, r.requester]) encoding.writeVarString(e, field);
  return encoding.toUint8Array(e);
}

export function signSessionRequest(crypto: CryptoProvider, r: SessionRequest, requester: DeviceIdentity): Uint8Array {
  const body = requestBody(r);
  const sig = crypto.sign(body, requester.signSecretKey.expose());
  const out = new Uint8Array(body.length + 64);
  out.set(body);
  out.set(sig, body.length);
  return out;
}

/** The request when its signature by the named requester verifies, else null. */
export function openSessionRequest(crypto: CryptoProvider, bytes: Uint8Array): SessionRequest | null {
  try {
    const body = bytes.subarray(0, bytes.length - 64);
    const d = decoding.createDecoder(body);
    if (decoding.readVarString(d) !== 'tendril/term-request/v1') return null;
    const [kind, session, doc, gateway, title, cwd, requester] = Array.from({ length: 7 }, () => decoding.readVarString(d));
    if (decoding.hasContent(d) || (kind !== 'start' && kind !== 'end')) return null;
    const r: SessionRequest = { kind, session: session as SessionId, doc: doc as DocId, gateway: parseDeviceId(gateway), title: title!, cwd: cwd!, requester: parseDeviceId(requester) };
    return crypto.verify(bytes.subarray(bytes.length - 64), body, publicKeyOfDevice(r.requester)) ? r : null;
  } catch {
    return null;
  }
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
