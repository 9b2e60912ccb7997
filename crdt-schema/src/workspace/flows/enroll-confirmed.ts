/**
 * Enrolling a device the admin has just confirmed by its pairing code, when
 * that device cannot enroll itself (a viewer holds no index write key): the
 * admin adds it to the member list with an admin-signed certificate, using
 * the device key and box key from its signed pairing request. As a member it
 * shows in the device list, can be revoked, and receives new key epochs after
 * a rotation (read-only ones: its role's keys).
 */
import type { CryptoProvider } from '../../crypto/provider.ts';
import { TendrilError } from '../../errors.ts';
import type { DeviceId } from '../../ids.ts';
import { canWrite, Scope, type Role } from '../../keyring/scopes.ts';
import { signMemberCert } from '../membership.ts';
import type { WorkspaceSession } from '../session.ts';

/** Adds the device; false when its role enrolls itself (it can write the index) or it is already listed. */
export function enrollConfirmedDevice(crypto: CryptoProvider, session: WorkspaceSession, d: { device: DeviceId; boxPublicKey: Uint8Array; role: Role; name: string }): boolean {
  const { config, identity } = session.home;
  if (config.role !== 'admin') throw new TendrilError('E_FORBIDDEN', 'only an admin device can enroll another device');
  if (canWrite(d.role, Scope.Index)) return false;
  const ws = session.workspace();
  if (ws.members.get(d.device)) return false;
  const cert = signMemberCert(crypto, { workspace: config.workspace, device: d.device, role: d.role, boxPublicKey: d.boxPublicKey, via: { admin: identity.deviceId } }, identity);
  ws.members.add({ device: d.device, name: d.name, role: d.role, boxPublicKey: d.boxPublicKey, addedBy: identity.deviceId, cert });
  return true;
}
