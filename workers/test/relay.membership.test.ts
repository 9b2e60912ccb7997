/**
 * Only members store anything, through the real relay and CLI: a device that
 * joined with an invite (the invite enrols it) syncs; a stranger's device key
 * may connect but registers no document and parks no blob (E_NOT_MEMBER); a
 * link enrols one device only (E_INVITE_USED for a second one), and a stranger
 * holding no link cannot enrol itself with another invite's token.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDeviceIdentity, inviteIdentity, parseInviteLink, type DeviceIdentity } from '@tendril/crdt-schema/crypto';
import { newDocId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import type { SyncProblem } from '@tendril/crdt-schema/sync';
import { CapMode, enrolBytes, FrameType } from '@tendril/crdt-schema/wire';
import { openHome } from '../src/home/device-home.ts';
import { cliOk, eventually, relayFixture } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';
import { openProbe, type RelayProbe } from './relay-probe.ts';

describe('membership at the real relay', () => {
  const env = relayFixture('membership', { beforeAll, afterAll });
  let ws: Workspace;
  let workspace: WorkspaceId;

  beforeAll(async () => {
    ws = await makeWorkspace(env.dir, env.relay.url, 1);
    const home = openHome(ws.crypto, ws.homes[0]!);
    workspace = home.config.workspace;
    home.close();
  }, 120_000);

  const problems = (probe: RelayProbe): SyncProblem[] => {
    const seen: SyncProblem[] = [];
    probe.relay.on('problem', (p) => seen.push(p));
    return seen;
  };

  /** Enrols the probe's device with the link's token, signed by `signer` (the link's enrollment key when it holds the link). */
  const enrolWith = (probe: RelayProbe, device: DeviceIdentity, link: string, signer: DeviceIdentity) =>
    probe.relay.enrol({
      workspace, device: device.signPublicKey, signer: signer.deviceId, token: parseInviteLink(link).tokenBytes,
      signature: ws.crypto.sign(enrolBytes(workspace, device.signPublicKey), signer.signSecretKey.expose()),
    });

  it('lets a stranger store nothing: no document registered, no blob parked', async () => {
    const probe = await openProbe(ws.crypto, { url: env.relay.url, workspace, identity: generateDeviceIdentity(ws.crypto) });
    try {
      const cap = generateDeviceIdentity(ws.crypto);
      const pair = { publicKey: cap.signPublicKey, secretKey: cap.signSecretKey.expose() };
      const answer = await probe.subscribe(newDocId(), CapMode.Write, pair, { writeKey: pair.publicKey, readKey: pair.publicKey });
      expect(answer).toMatchObject({ type: FrameType.Error, code: 'E_NOT_MEMBER' });
      await expect(probe.relay.putBlob('parked-by-a-stranger', new Uint8Array(1000), 600)).rejects.toMatchObject({ code: 'E_NOT_MEMBER' });
    } finally {
      probe.close();
    }
  });

  it('enrols the device that joined with an invite (it syncs a change), and that device only', async () => {
    const link = (await cliOk('invite', '--home', ws.homes[0]!)).last;
    const home = join(env.dir, 'joined');
    await cliOk('join', '--home', home, link, '--name', 'joined');
    await cliOk('chat', 'send', '--home', home, ws.chat, 'from the invited device');
    await cliOk('chat', 'show', '--home', ws.homes[0]!, ws.chat, '--wait-for', 'from the invited device', '--timeout', '20');
    // A second device with the same link: the relay will not make it a member.
    const second = generateDeviceIdentity(ws.crypto);
    const probe = await openProbe(ws.crypto, { url: env.relay.url, workspace, identity: second });
    try {
      const seen = problems(probe);
      await enrolWith(probe, second, link, inviteIdentity(ws.crypto, parseInviteLink(link).secret));
      await eventually(() => seen.some((p) => p.code === 'E_INVITE_USED'), 15_000, 'E_INVITE_USED');
      await expect(probe.relay.putBlob('second-device', new Uint8Array(10), 600)).rejects.toMatchObject({ code: 'E_NOT_MEMBER' });
    } finally {
      probe.close();
    }
  });

  it("refuses an enrolment with another invite's token that is not signed by its enrollment key", async () => {
    const link = (await cliOk('invite', '--home', ws.homes[0]!)).last;
    const stranger = generateDeviceIdentity(ws.crypto);
    const probe = await openProbe(ws.crypto, { url: env.relay.url, workspace, identity: stranger });
    try {
      const seen = problems(probe);
      await enrolWith(probe, stranger, link, stranger);
      await eventually(() => seen.some((p) => p.code === 'E_AUTH_FAILED'), 15_000, 'E_AUTH_FAILED');
      await expect(probe.relay.putBlob('stranger', new Uint8Array(10), 600)).rejects.toMatchObject({ code: 'E_NOT_MEMBER' });
    } finally {
      probe.close();
    }
    // The invite itself is still good for the device that holds the link.
    await cliOk('join', '--home', join(env.dir, 'late'), link, '--name', 'late');
  });
});
