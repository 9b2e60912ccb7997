/**
 * Where a gateway's administration document lives (schema/gateway-admin.ts):
 * its id derived from the workspace and the gateway's device id, so the
 * gateway and every member find the same document without a pointer in the
 * index. It is in the terminal scope: the gateway may write it, and so may
 * the members who may open terminals (the gateway decides whose requests it
 * carries out). The relay sees an id it cannot tie to the gateway.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { toBase64Url, type DeviceId, type DocId, type WorkspaceId } from '../ids.ts';
import { Scope } from '../keyring/scopes.ts';

export const GATEWAY_ADMIN_SCOPE = Scope.Terminals;

export function gatewayAdminDocId(crypto: CryptoProvider, workspace: WorkspaceId, gateway: DeviceId): DocId {
  return toBase64Url(crypto.hash(new TextEncoder().encode(`tendril/gateway-admin/${workspace}/${gateway}`), 16)) as DocId;
}
