/**
 * A member's side of a gateway's SSH key administration (the app and the
 * CLI): reads the key list and the activity log the gateway signed, and
 * leaves a signed request in the gateway's administration document, then
 * waits for the gateway's signed answer. Nothing here touches the host: the
 * gateway decides (ssh-admin.ts).
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import type { GatewayAdminDoc } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { openSshAnswer, openSshLogEntry, openSshState, signSshRequest, type SshAnswer, type SshLogEntry, type SshRequest, type SshState } from './ssh-signatures.ts';

export type SshChange =
  | { readonly kind: 'add'; readonly key: string; readonly label: string; readonly expiresAt?: number }
  | { readonly kind: 'revoke'; readonly target: string }
  | { readonly kind: 'support'; readonly forMs: number };

/** A random decimal request id (below 10^15, so it is exact as a number). */
export function newSshRequestId(): string {
  const [hi, lo] = globalThis.crypto.getRandomValues(new Uint32Array(2));
  return String((hi! % 232_831) * 4_294_967_296 + lo!);
}

/** The key list the gateway signed, or null before it published one. */
export function readSshState(crypto: CryptoProvider, admin: GatewayAdminDoc, gateway: DeviceId): SshState | null {
  const bytes = admin.state();
  return bytes ? openSshState(crypto, gateway, bytes) : null;
}

/** The gateway's signed activity log, oldest first (entries others wrote are left out). */
export function readSshLog(crypto: CryptoProvider, admin: GatewayAdminDoc, gateway: DeviceId): SshLogEntry[] {
  return admin.readLog(gateway).map((b) => openSshLogEntry(crypto, gateway, b)).filter((e): e is SshLogEntry => e !== null);
}

/** Leaves the signed request; returns its id. */
export function leaveSshRequest(session: WorkspaceSession, crypto: CryptoProvider, admin: GatewayAdminDoc, gateway: DeviceId, change: SshChange, now = Date.now()): string {
  const id = newSshRequestId();
  const request: Omit<SshRequest, 'requester'> = { ...change, id, gateway, at: now };
  admin.request(id, signSshRequest(crypto, session.home.identity, request));
  return id;
}

/** Waits for the gateway's signed answer to request `id`; after `timeoutMs` withdraws the request and fails with E_TIMEOUT. */
export function awaitSshAnswer(crypto: CryptoProvider, admin: GatewayAdminDoc, gateway: DeviceId, id: string, timeoutMs: number): Promise<SshAnswer> {
  return new Promise((resolve, reject) => {
    let stop = (): void => {};
    const timer = setTimeout(() => {
      stop();
      // Withdrawn, so a gateway that comes back later does not carry out what its requester gave up on.
      admin.drop(id);
      reject(new TendrilError('E_TIMEOUT', `the gateway did not answer within ${Math.round(timeoutMs / 1000)} s (is it running?); the request was withdrawn`));
    }, timeoutMs);
    const check = (): void => {
      const bytes = admin.result(id);
      const answer = bytes ? openSshAnswer(crypto, gateway, bytes) : null;
      if (!answer) return;
      clearTimeout(timer);
      stop();
      resolve(answer);
    };
    stop = admin.observe(check);
    check();
  });
}
