/**
 * Signed membership. The member list lives in the workspace index, which
 * several roles may write, so a member record counts only when its
 * certificate verifies: signed by an admin who is itself a verified member
 * (the workspace's root admins come from the invite or the creator's home),
 * or signed with an invite's enrollment key named by an admin-signed invite
 * token. Revocations are admin-signed too. `createDirectory` turns the index's
 * member rows into the Directory the ciphers ask about every envelope author.
 *
 * Certificate: varString workspace | varString device | u8 role | 32-byte box key |
 *   u8 via (0 admin, 1 invite) | via 0: varString admin device; via 1: varUint8Array token |
 *   64-byte signature over "tendril/member/v1" || the rest.
 * Revocation: varString workspace | varString device | varUint epoch | varString admin | 64-byte signature
 *   over "tendril/revocation/v1" || the rest.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { DeviceIdentity } from '../crypto/keys.ts';
import { decodeInviteToken } from '../crypto/invite-token.ts';
import { concatBytes, Context, withContext } from '../crypto/bytes.ts';
import { TendrilError } from '../errors.ts';
import { parseDeviceId, publicKeyOfDevice, toBase64Url, type DeviceId, type WorkspaceId } from '../ids.ts';
import { ALL_ROLES, type Role } from '../keyring/scopes.ts';
import type { Directory, MemberRecord } from './directory.ts';

export type MemberVia = { readonly admin: DeviceId } | { readonly inviteToken: Uint8Array };

export interface MemberCert {
  readonly workspace: WorkspaceId;
  readonly device: DeviceId;
  readonly role: Role;
  readonly boxPublicKey: Uint8Array;
  readonly via: MemberVia;
}

const MEMBER_CONTEXT = Context.memberCert;
const REVOCATION_CONTEXT = Context.revocationCert;

function encodeCertBody(c: MemberCert): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, c.workspace);
  encoding.writeVarString(e, c.device);
  encoding.writeUint8(e, ALL_ROLES.indexOf(c.role));
  encoding.writeUint8Array(e, c.boxPublicKey);
  if ('admin' in c.via) {
    encoding.writeUint8(e, 0);
    encoding.writeVarString(e, c.via.admin);
  } else {
    encoding.writeUint8(e, 1);
    encoding.writeVarUint8Array(e, c.via.inviteToken);
  }
  return encoding.toUint8Array(e);
}

/** Signs a certificate: `signer` is the admin (via admin) or the invite's enrollment identity (via invite). */
export function signMemberCert(crypto: CryptoProvider, cert: MemberCert, signer: DeviceIdentity): Uint8Array {
  if (cert.boxPublicKey.length !== 32) throw new TendrilError('E_BAD_INPUT', 'a box public key has 32 bytes');
  const body = encodeCertBody(cert);
  const sig = crypto.sign(withContext(MEMBER_CONTEXT, body), signer.signSecretKey.expose());
  return concatBytes(body, sig);
}

/** Parses a certificate without trusting it; E_AUTH_FAILED when malformed. */
export function decodeMemberCert(bytes: Uint8Array): { cert: MemberCert; body: Uint8Array; signature: Uint8Array } {
  try {
    if (bytes.length < 64) throw new Error('too short');
    const body = bytes.subarray(0, bytes.length - 64);
    const d = decoding.createDecoder(body);
    const workspace = decoding.readVarString(d) as WorkspaceId;
    const device = parseDeviceId(decoding.readVarString(d));
    const role = ALL_ROLES[decoding.readUint8(d)];
    if (!role) throw new Error('unknown role');
    const boxPublicKey = decoding.readUint8Array(d, 32);
    const via = decoding.readUint8(d);
    let v: MemberVia;
    if (via === 0) v = { admin: parseDeviceId(decoding.readVarString(d)) };
    else if (via === 1) v = { inviteToken: decoding.readVarUint8Array(d) };
    else throw new Error('unknown via');
    if (decoding.hasContent(d)) throw new Error('trailing bytes');
    return { cert: { workspace, device, role, boxPublicKey, via: v }, body, signature: bytes.subarray(bytes.length - 64) };
  } catch (cause) {
    throw new TendrilError('E_AUTH_FAILED', 'a membership certificate is malformed', { cause });
  }
}

export interface RevocationCert {
  readonly workspace: WorkspaceId;
  readonly device: DeviceId;
  /** Envelopes the device seals at this key epoch or later are refused. */
  readonly epoch: number;
  readonly admin: DeviceId;
}

export function signRevocation(crypto: CryptoProvider, r: RevocationCert, admin: DeviceIdentity): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, r.workspace);
  encoding.writeVarString(e, r.device);
  encoding.writeVarUint(e, r.epoch);
  encoding.writeVarString(e, r.admin);
  const body = encoding.toUint8Array(e);
  return concatBytes(body, crypto.sign(withContext(REVOCATION_CONTEXT, body), admin.signSecretKey.expose()));
}

/** Verifies a revocation's signature (not whether its signer is an admin); null when it does not verify. */
export function openRevocation(crypto: CryptoProvider, bytes: Uint8Array): RevocationCert | null {
  try {
    const body = bytes.subarray(0, bytes.length - 64);
    const d = decoding.createDecoder(body);
    const r: RevocationCert = {
      workspace: decoding.readVarString(d) as WorkspaceId,
      device: parseDeviceId(decoding.readVarString(d)),
      epoch: decoding.readVarUint(d),
      admin: parseDeviceId(decoding.readVarString(d)),
    };
    if (decoding.hasContent(d)) return null;
    return crypto.verify(bytes.subarray(bytes.length - 64), withContext(REVOCATION_CONTEXT, body), publicKeyOfDevice(r.admin)) ? r : null;
  } catch {
    return null;
  }
}

/** One row of the index member list, as stored. */
export interface MemberRow {
  readonly device: DeviceId;
  readonly cert?: Uint8Array;
  readonly revocationCert?: Uint8Array;
}

export interface DirectoryOptions {
  readonly crypto: CryptoProvider;
  readonly workspace: WorkspaceId;
  /** Admins trusted without a certificate: the creator, as told by the home or the invite. */
  readonly rootAdmins: readonly DeviceId[];
  /** The current member rows of the synced index. */
  readonly rows: () => readonly MemberRow[];
}

/** A Directory over the index's member rows, verifying every certificate (results cached by bytes). */
export function createDirectory(o: DirectoryOptions): Directory & { invalidate(): void } {
  const verified = new Map<string, MemberCert | null>();
  let table: Map<DeviceId, MemberRecord> | null = null;

  const checkCert = (bytes: Uint8Array): MemberCert | null => {
    const key = toBase64Url(o.crypto.hash(bytes, 16));
    if (verified.has(key)) return verified.get(key)!;
    let result: MemberCert | null = null;
    try {
      const { cert, body, signature } = decodeMemberCert(bytes);
      const signer = 'admin' in cert.via ? cert.via.admin : enrollKeyOf(cert.via.inviteToken, o.workspace);
      if (cert.workspace === o.workspace && signer && o.crypto.verify(signature, withContext(MEMBER_CONTEXT, body), publicKeyOfDevice(signer))) result = cert;
    } catch {
      result = null;
    }
    verified.set(key, result);
    return result;
  };

  const build = (): Map<DeviceId, MemberRecord> => {
    const rows = o.rows();
    const certs = new Map<DeviceId, MemberCert>();
    for (const r of rows) {
      const c = r.cert ? checkCert(r.cert) : null;
      if (c && c.device === r.device) certs.set(r.device, c);
    }
    // Admin authority flows from the roots; resolve to a fixed point (chains are short).
    const admins = new Set<DeviceId>(o.rootAdmins);
    const accepted = new Map<DeviceId, MemberRecord>();
    for (const root of o.rootAdmins) accepted.set(root, { role: 'admin' });
    const enrolledInvites = new Set<string>();
    let changed = true;
    while (changed) {
      changed = false;
      for (const [device, c] of certs) {
        if (accepted.has(device)) continue;
        let ok = false;
        if ('admin' in c.via) ok = admins.has(c.via.admin);
        else {
          const t = tokenInfo(o.crypto, c.via.inviteToken, o.workspace);
          ok = t !== null && admins.has(t.issuer) && roleAllowed(t.role, c.role) && !enrolledInvites.has(t.id);
          if (ok) enrolledInvites.add(t!.id);
        }
        if (!ok) continue;
        accepted.set(device, { role: c.role });
        if (c.role === 'admin') admins.add(device);
        changed = true;
      }
    }
    for (const r of rows) {
      if (!r.revocationCert) continue;
      const rev = openRevocation(o.crypto, r.revocationCert);
      const m = accepted.get(r.device);
      if (rev && m && rev.device === r.device && rev.workspace === o.workspace && admins.has(rev.admin)) {
        accepted.set(r.device, { ...m, revokedAtEpoch: rev.epoch });
      }
    }
    return accepted;
  };

  return {
    member(device) {
      table ??= build();
      return table.get(device);
    },
    invalidate() {
      table = null;
    },
  };
}

/** An invite may enroll its own role only (a device invite may not mint admins). */
function roleAllowed(inviteRole: string, certRole: Role): boolean {
  return inviteRole === certRole;
}

function enrollKeyOf(tokenBytes: Uint8Array, workspace: WorkspaceId): DeviceId | null {
  try {
    const { token } = decodeInviteToken(tokenBytes);
    return token.workspace === workspace ? token.enrollKey : null;
  } catch {
    return null;
  }
}

function tokenInfo(crypto: CryptoProvider, tokenBytes: Uint8Array, workspace: WorkspaceId): { id: string; issuer: DeviceId; role: string } | null {
  try {
    const { token, body, signature, issuerKey } = decodeInviteToken(tokenBytes);
    if (token.workspace !== workspace) return null;
    return crypto.verify(signature, withContext(Context.inviteToken, body), issuerKey) ? { id: token.id, issuer: token.issuer, role: token.role } : null;
  } catch {
    return null;
  }
}
