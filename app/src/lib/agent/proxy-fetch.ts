/**
 * The fetch this tab uses for provider calls routed through the relay's LLM
 * proxy: each request signed by this device's key for its workspace (the
 * relay serves the proxy to member devices only). Direct routes use the
 * plain fetch.
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import type { DeviceIdentity } from '@tendril/crdt-schema/crypto';
import type { WorkspaceId } from '@tendril/crdt-schema/ids';
import { signingFetch } from '@tendril/crdt-schema/wire';

export function deviceProxyFetch(crypto: CryptoProvider, home: { readonly identity: DeviceIdentity; readonly config: { readonly workspace: WorkspaceId } }, fetchFn?: typeof fetch): typeof fetch {
  const { identity } = home;
  return signingFetch(
    {
      workspace: home.config.workspace,
      device: identity.deviceId,
      sign: (message) => crypto.sign(message, identity.signSecretKey.expose()),
      now: () => Date.now(),
      randomBytes: (n) => crypto.randomBytes(n),
    },
    fetchFn,
  );
}
