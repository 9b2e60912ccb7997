/**
 * Locate, in place of a hello: the workspaces a key is enrolled in, for the
 * holder of that key only (a recovery phrase's locator on a fresh device,
 * crdt-schema backup/phrase-locator.ts). The proof is the key's signature
 * over this connection's challenge, as in Hello. A proof that does not
 * verify gets the same empty Located as a key enrolled nowhere, and the store
 * is not asked, so a public key alone learns nothing, not even whether it is
 * enrolled. A revoked key finds nothing in that workspace. The connection
 * ends after the answer, so every lookup costs a connection: the pre-auth
 * gate, the per-address connection rate and the frame bucket bound them as
 * they bound hellos.
 */
import { deviceIdFromPublicKey } from '@tendril/crdt-schema/ids';
import { FrameType, locateProofBytes, MAX_LOCATED_WORKSPACES, PROTOCOL_VERSION, type LocateFrame } from '@tendril/crdt-schema/wire';
import type { WorkspaceId } from '@tendril/crdt-schema/ids';
import { ConnState, type Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';

export async function handleLocate(ctx: RelayContext, conn: Connection, f: LocateFrame): Promise<void> {
  if (conn.state !== ConnState.Challenged) {
    conn.error('E_BAD_INPUT', { detail: 'a lookup comes instead of a hello, on a connection of its own' });
    return;
  }
  if (f.version < 1) return conn.fail('E_PROTOCOL_VERSION', { detail: `relay speaks ${PROTOCOL_VERSION}` });
  const found: WorkspaceId[] = [];
  if (ctx.verifier.verify(f.key, locateProofBytes(conn.nonce, f.key), f.proof)) {
    const device = deviceIdFromPublicKey(f.key);
    for (const workspace of await ctx.store.workspacesOfMember(f.key)) {
      if (found.length >= MAX_LOCATED_WORKSPACES) break;
      if (!(await ctx.store.isRevoked(workspace, device))) found.push(workspace);
    }
  }
  if (conn.state !== ConnState.Challenged) return; // timed out or closed while the store answered
  conn.send({ type: FrameType.Located, workspaces: found.sort() });
  ctx.logger.info('connection.located', { conn: conn.id, found: found.length });
  conn.end('located');
}
