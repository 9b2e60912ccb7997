/**
 * The handshake: verify the device's proof over this connection's challenge,
 * find (or register) the workspace (within the registration limits,
 * registration-gate.ts), refuse revoked devices, then Welcome.
 * Every refusal here is fatal.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { deviceIdFromPublicKey, publicKeyOfDevice } from '@tendril/crdt-schema/ids';
import { FrameType, helloProofBytes, PROTOCOL_VERSION, type HelloFrame } from '@tendril/crdt-schema/wire';
import { ConnState, identityOf, type Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';

/** Constant-time comparison of the operator access code (hashed first, so lengths do not leak). */
function codeMatches(given: string, expected: string): boolean {
  const h = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(given), h(expected));
}

export async function handleHello(ctx: RelayContext, conn: Connection, f: HelloFrame): Promise<void> {
  if (conn.state !== ConnState.Challenged) {
    conn.error('E_BAD_INPUT', { detail: 'this connection already completed its hello' });
    return;
  }
  if (f.version < 1) return conn.fail('E_PROTOCOL_VERSION', { detail: `relay speaks ${PROTOCOL_VERSION}` });
  const deviceKey = publicKeyOfDevice(f.device);
  // Base64url of 32 bytes has 2 spare bits: only the canonical spelling may name a device, or a revoked
  // device could come back under another spelling of the same key.
  if (deviceIdFromPublicKey(deviceKey) !== f.device) return conn.fail('E_AUTH_FAILED', { detail: 'non-canonical device id' });
  if (!ctx.verifier.verify(deviceKey, helloProofBytes(conn.nonce, f.workspace, deviceKey), f.proof)) {
    return conn.fail('E_AUTH_FAILED', { detail: 'the hello proof does not verify under the device key' });
  }
  const workspace = await ctx.store.getWorkspace(f.workspace);
  if (!workspace) {
    if (!f.register) return conn.fail('E_UNKNOWN_WORKSPACE');
    if (ctx.accessCode !== undefined && !codeMatches(f.accessCode, ctx.accessCode)) return conn.fail('E_ACCESS_CODE');
    const refused = ctx.registrations.refuse(conn.ip, await ctx.store.countWorkspaces());
    if (refused) return conn.fail('E_REGISTRATION_LIMIT', { detail: refused });
    ctx.registrations.note(conn.ip);
    await ctx.store.createWorkspace(f.workspace, f.register.admins, ctx.clock.now());
    ctx.logger.info('workspace.registered', { workspace: f.workspace, admins: f.register.admins.length });
  } else if (await ctx.store.isRevoked(f.workspace, f.device)) {
    return conn.fail('E_REVOKED');
  }
  if (conn.state !== ConnState.Challenged) return; // timed out or closed while the store answered
  const identity = identityOf(f.workspace, f.device);
  const full = ctx.admitIdentity(conn, identity);
  if (full !== undefined) return conn.fail('E_TOO_MANY_CONNECTIONS', { detail: full });
  conn.ready(identity);
  conn.send({
    type: FrameType.Welcome,
    version: Math.min(f.version, PROTOCOL_VERSION),
    serverTime: ctx.clock.now(),
    maxFrameBytes: ctx.limits.maxFrameBytes,
    address: conn.ip,
  });
  ctx.logger.info('connection.ready', { conn: conn.id, workspace: f.workspace, device: f.device, client: f.client });
}
