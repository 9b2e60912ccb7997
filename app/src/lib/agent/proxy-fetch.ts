/**
 * The fetch this tab uses for provider calls routed through the relay's LLM
 * proxy: each request signed by this device's key for its workspace (the
 * relay serves the proxy to member devices only). Direct routes use the
 * plain fetch. The proof's time is on the relay's clock as its last Welcome
 * told it, so a device clock that is off by minutes does not get every
 * request refused as stale.
 */
import type { CryptoProvider, DeviceIdentity } from '@tendril/crdt-schema/crypto';
import type { WorkspaceId } from '@tendril/crdt-schema/ids';
import type { RelayObserved } from '@tendril/crdt-schema/sync';
import { signingFetch } from '@tendril/crdt-schema/wire';

export interface DeviceProxyFetchOptions {
  /** The relay's clock from its last Welcome (the session's `peer.relay.observed`). */
  readonly observed?: () => RelayObserved | null;
  readonly fetch?: typeof fetch;
}

/** This device's clock moved to the relay's, when the relay has said what time it is. */
export function relayNow(observed: RelayObserved | null, now = Date.now()): number {
  return observed ? now + (observed.serverTime - observed.at) : now;
}

export function deviceProxyFetch(
  crypto: CryptoProvider,
  home: { readonly identity: DeviceIdentity; readonly config: { readonly workspace: WorkspaceId } },
  o: DeviceProxyFetchOptions = {},
): typeof fetch {
  const { identity } = home;
  return signingFetch(
    {
      workspace: home.config.workspace,
      device: identity.deviceId,
      sign: (message) => crypto.sign(message, identity.signSecretKey.expose()),
      now: () => relayNow(o.observed?.() ?? null),
      randomBytes: (n) => crypto.randomBytes(n),
    },
    o.fetch,
  );
}
