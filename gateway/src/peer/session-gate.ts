/**
 * The input gate's rules for one session on the gateway (terminal/input-gate.ts
 * applies them): a frame counts as typed by the device whose signature it
 * carries; the writers are the owner the gateway recorded from the verified
 * start request plus the signed entries in the session document (writers.ts
 * `writersOf`); a device the member directory does not list as current is
 * revoked, so its frames are refused whatever the document says.
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import type { TerminalDoc } from '@tendril/crdt-schema/schema';
import type { Directory } from '@tendril/crdt-schema/workspace';
import type { InputFrame } from '../terminal/input-gate.ts';
import { verifyInput } from './signatures.ts';
import { writersOf, type WriterCheck } from './writers.ts';

export interface SessionGateDeps {
  readonly crypto: CryptoProvider;
  readonly directory: Directory;
  readonly session: SessionId;
  /** The owner on the gateway's own record (session-owners.ts), never the document's field. */
  readonly owner: () => DeviceId | undefined;
  /** The session document while the session runs. */
  readonly doc: () => TerminalDoc | undefined;
  readonly check?: WriterCheck;
}

export function sessionGate(d: SessionGateDeps) {
  return {
    verify: (f: InputFrame): DeviceId | null =>
      f.device && f.signature && verifyInput(d.crypto, f.device, d.session, f.counter, f.data, f.signature) ? f.device : null,
    writers: (): DeviceId[] => {
      const doc = d.doc();
      return doc ? writersOf(d.crypto, d.directory, d.owner(), doc, d.session, d.check) : [];
    },
    isRevoked: (device: DeviceId): boolean => {
      const m = d.directory.member(device);
      return m === undefined || m.revokedAtEpoch !== undefined;
    },
  };
}
