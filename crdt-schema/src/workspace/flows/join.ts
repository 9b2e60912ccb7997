/**
 * Redeeming an invite link: verify the token, enrol the new device at the
 * relay with the invite (it becomes a member there: only members store
 * anything), take (and so delete) the sealed key material from the relay as
 * the new device, and open it. A confirmed
 * invite's material needs the inviter's release secret as well: this device
 * shows its pairing code (`onPairingCode`), asks for the release and waits
 * until a person confirmed the code on the inviting device (pair-joiner.ts).
 * The blob is taken first, so a second device with the same link finds the
 * invite used at once. Then, once the
 * caller has stored the home and synced the index, `enroll` adds this device
 * to the member list with a certificate signed by the invite's one-time
 * enrollment key (a viewer cannot write the index and is not enrolled).
 */
import type { CryptoProvider } from '../../crypto/provider.ts';
import type { DocKeys } from '../../crypto/doc-keys.ts';
import { pairingCode } from '../../crypto/invite.ts';
import { parseInviteLink, type ParsedInviteLink } from '../../crypto/invite-link.ts';
import { inviteBlobKey, inviteIdentity, openInviteLockboxes, openInvitePayload, payloadNeedsRelease } from '../../crypto/invite-payload.ts';
import { verifyInviteToken, type InviteToken } from '../../crypto/invite-token.ts';
import { generateDeviceIdentity, type DeviceIdentity } from '../../crypto/keys.ts';
import type { Secret } from '../../crypto/secret.ts';
import { TendrilError } from '../../errors.ts';
import type { DeviceId, DocId } from '../../ids.ts';
import { ALL_SCOPES, canWrite, Scope } from '../../keyring/scopes.ts';
import { scopeKeyId, type WorkspaceKeys } from '../../keyring/workspace-keys.ts';
import { RelayClient, type WebSocketConstructor } from '../../sync/relay-client.ts';
import type { HomeConfig, WellKnownDocs } from '../home.ts';
import { signMemberCert } from '../membership.ts';
import type { WorkspaceSession } from '../session.ts';
import { httpUrl } from '../urls.ts';
import { enrolBytes } from '../../wire/proofs.ts';
import { requestRelease } from './pair-joiner.ts';
import type { PollOptions } from './poll-blob.ts';

export interface RedeemedInvite {
  readonly identity: DeviceIdentity;
  readonly config: HomeConfig;
  readonly keys: WorkspaceKeys;
  readonly link: ParsedInviteLink;
  readonly token: InviteToken;
  /** The short code both devices can show to confirm they paired with each other. */
  readonly pairingCode: string;
  /** True when the inviting device confirmed the code before releasing the keys. */
  readonly confirmed: boolean;
}

export interface RedeemOptions {
  readonly now: number;
  readonly deviceName: string;
  readonly WebSocket: WebSocketConstructor;
  readonly clientName: string;
  /** For the relay connection to open. */
  readonly timeoutMs?: number;
  /** A confirmed invite: called with the code to show before waiting for the inviting device. */
  readonly onPairingCode?: (code: string) => void;
  /** How long to wait for the confirmation; until the invite expires by default. */
  readonly confirmTimeoutMs?: number;
  /** Polling of the answer (tests shorten it). */
  readonly poll?: Omit<PollOptions, 'timeoutMs'>;
}

export async function redeemInvite(crypto: CryptoProvider, linkText: string, o: RedeemOptions): Promise<RedeemedInvite> {
  const link = parseInviteLink(linkText);
  const token = verifyInviteToken(crypto, link.tokenBytes, { now: o.now });
  const identity = generateDeviceIdentity(crypto);
  const relay = new RelayClient({
    url: token.relayUrl,
    workspace: token.workspace,
    device: { id: identity.deviceId, publicKey: identity.signPublicKey, sign: (m) => crypto.sign(m, identity.signSecretKey.expose()) },
    WebSocket: o.WebSocket,
    clientName: o.clientName,
  });
  relay.connect();
  const code = pairingCode(crypto, link.secret, token.issuer, identity.deviceId);
  let blob: Uint8Array | null;
  let release: Secret<Uint8Array> | null = null;
  try {
    await relay.whenOpen(o.timeoutMs ?? 15_000);
    // Membership at the relay first (only members store anything; one device per invite): the
    // invite's enrollment key, which only a holder of the link has, vouches for this device.
    const enrolling = inviteIdentity(crypto, link.secret);
    await relay.enrol({
      workspace: token.workspace, device: identity.signPublicKey, signer: enrolling.deviceId, token: link.tokenBytes,
      signature: crypto.sign(enrolBytes(token.workspace, identity.signPublicKey), enrolling.signSecretKey.expose()),
    });
    blob = await relay.takeBlob(inviteBlobKey(crypto, link.secret));
    if (blob && payloadNeedsRelease(blob)) {
      o.onPairingCode?.(code);
      release = await requestRelease(crypto, relay, link, identity, { ...o.poll, now: o.now, name: o.deviceName, timeoutMs: o.confirmTimeoutMs ?? token.expiresAt - o.now });
    }
  } finally {
    relay.destroy();
  }
  if (!blob) throw new TendrilError('E_INVITE_USED', 'this invite was already used or has expired on the relay');
  const payload = openInvitePayload(crypto, link.secret, link.tokenBytes, blob, release);
  const byId = new Map<DocId, DocKeys>(openInviteLockboxes(crypto, token, link.secret, payload).map((k) => [k.doc, k]));
  const keys = new Map<Scope, DocKeys>();
  for (const scope of ALL_SCOPES) {
    const k = byId.get(scopeKeyId(crypto, token.workspace, scope));
    if (k) keys.set(scope, k);
  }
  const info = payload.info as { rootAdmins?: DeviceId[]; docs?: WellKnownDocs };
  if (!info.docs || !Array.isArray(info.rootAdmins) || keys.size === 0) throw new TendrilError('E_INVITE_INVALID', 'the invite payload lacks the workspace documents or keys');
  return {
    identity,
    keys,
    link,
    token,
    pairingCode: code,
    confirmed: release !== null,
    config: {
      v: 1,
      workspace: token.workspace,
      workspaceName: payload.workspace.name,
      relay: httpUrl(token.relayUrl),
      deviceName: o.deviceName,
      role: token.role,
      rootAdmins: info.rootAdmins,
      docs: info.docs,
      registered: true,
    },
  };
}

/** Adds this device to the synced index with its invite-signed certificate; false for roles that cannot write the index. */
export function enroll(crypto: CryptoProvider, session: WorkspaceSession, redeemed: RedeemedInvite): boolean {
  const { identity, token, link, config } = redeemed;
  if (!canWrite(token.role, Scope.Index)) return false;
  const cert = signMemberCert(
    crypto,
    { workspace: token.workspace, device: identity.deviceId, role: token.role, boxPublicKey: identity.boxPublicKey, via: { inviteToken: link.tokenBytes } },
    inviteIdentity(crypto, link.secret),
  );
  session.workspace().members.add({ device: identity.deviceId, name: config.deviceName, role: token.role, boxPublicKey: identity.boxPublicKey, addedBy: token.issuer, cert });
  return true;
}
