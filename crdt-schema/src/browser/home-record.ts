/**
 * What a browser device keeps about itself, as one record: the device
 * identity, the local storage key, the workspace config and the scope keys.
 * Serialized to JSON (secrets in base64url), then sealed: always under the
 * non-extractable wrapping key, and, when the passphrase lock is on, first
 * under a vault key that only the passphrase opens (vault.ts).
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { deviceIdentityFromJSON, deviceIdentityToJSON, type DeviceIdentity } from '../crypto/keys.ts';
import { TendrilError } from '../errors.ts';
import { fromBase64Url, toBase64Url } from '../ids.ts';
import { workspaceKeysFromJson, workspaceKeysToJson, type WorkspaceKeys } from '../keyring/workspace-keys.ts';
import type { HomeConfig } from '../workspace/home.ts';

export interface HomeSecrets {
  readonly identity: DeviceIdentity;
  readonly localKey: Uint8Array;
  readonly config: HomeConfig;
  readonly keys: WorkspaceKeys;
}

export function encodeHomeSecrets(s: HomeSecrets): Uint8Array {
  const json = { v: 1, identity: deviceIdentityToJSON(s.identity), localKey: toBase64Url(s.localKey), config: s.config, keys: workspaceKeysToJson(s.keys) };
  return new TextEncoder().encode(JSON.stringify(json));
}

/** Strict inverse of {@link encodeHomeSecrets}; `E_BAD_INPUT` on any defect. */
export function decodeHomeSecrets(crypto: CryptoProvider, bytes: Uint8Array): HomeSecrets {
  let j: { v?: unknown; identity?: unknown; localKey?: unknown; config?: unknown; keys?: unknown };
  try {
    j = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as typeof j;
  } catch (cause) {
    throw new TendrilError('E_BAD_INPUT', 'the device record is not JSON', { cause });
  }
  if (j.v !== 1 || typeof j.localKey !== 'string' || typeof j.config !== 'object' || j.config === null) throw new TendrilError('E_BAD_INPUT', 'the device record is malformed');
  const config = j.config as HomeConfig;
  if (config.v !== 1 || typeof config.workspace !== 'string' || typeof config.relay !== 'string') throw new TendrilError('E_BAD_INPUT', 'the device record holds no workspace config');
  const localKey = fromBase64Url(j.localKey);
  if (localKey.length !== 32) throw new TendrilError('E_BAD_INPUT', 'the local key has the wrong length');
  return { identity: deviceIdentityFromJSON(crypto, j.identity), localKey, config, keys: workspaceKeysFromJson(crypto, j.keys) };
}
