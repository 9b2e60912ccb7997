/**
 * Single-document grants: a member that may write a scope hands one
 * document of it to a device whose role lacks the scope (a worker the user
 * allowed to use one terminal session). The grant is a lockbox in the index,
 * filed under the document's id (scope key sets are filed under their scope's
 * pseudo id, so the two never mix), carrying the bundle of keyring/doc-grant.ts.
 *
 * The holder's side (`DocGrants`) opens the newest grant for each document,
 * accepting it only from a member that may write the document's scope and is
 * not revoked, and notices new ones (a re-issue after a key rotation).
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import type { DeviceIdentity } from '../crypto/keys.ts';
import type { DocKeys } from '../crypto/doc-keys.ts';
import { openLockbox, sealLockbox } from '../crypto/lockbox.ts';
import { TendrilError } from '../errors.ts';
import { keyEpoch, type DeviceId, type DocId, type WorkspaceId } from '../ids.ts';
import { docGrantKeys, docGrantView } from '../keyring/doc-grant.ts';
import type { DocKeyView } from '../keyring/doc-keys.ts';
import { ALL_SCOPES, canWrite, type Scope } from '../keyring/scopes.ts';
import { scopeKeyId, type WorkspaceKeys } from '../keyring/workspace-keys.ts';
import { workspaceDoc } from '../schema/index.ts';
import type { Directory } from './directory.ts';

type Index = ReturnType<typeof workspaceDoc>;

interface Held {
  readonly sealed: Uint8Array;
  readonly view: DocKeyView;
}

/** The grants sealed to this device, opened on demand and kept current as the index changes. */
export class DocGrants {
  private readonly held = new Map<DocId, Held>();

  constructor(
    private readonly crypto: CryptoProvider,
    private readonly identity: DeviceIdentity,
    private readonly index: () => Index | null,
    private readonly directory: Directory,
  ) {}

  /** A live view of the keys granted for `doc` (follows re-issues), or undefined without a valid grant. */
  viewFor(doc: DocId, scope: Scope): (() => DocKeyView) | undefined {
    if (!this.open(doc, scope)) return undefined;
    return () => this.held.get(doc)!.view;
  }

  /** Documents granted to this device (newest grant per document), whether or not opened yet. */
  grantedDocs(): DocId[] {
    const ix = this.index();
    if (!ix) return [];
    return [...new Set(ix.lockboxes.forDevice(this.identity.deviceId).map((l) => l.docId))];
  }

  /** Re-reads the grants of the documents already in use; true when one changed (the caller resubscribes). */
  refresh(scopeOf: (doc: DocId) => Scope | undefined): boolean {
    let changed = false;
    for (const [doc, had] of this.held) {
      const scope = scopeOf(doc);
      if (scope && this.open(doc, scope) && this.held.get(doc)!.sealed !== had.sealed) changed = true;
    }
    return changed;
  }

  private open(doc: DocId, scope: Scope): boolean {
    const ix = this.index();
    if (!ix) return false;
    const newest = ix.lockboxes.forDoc(doc).filter((l) => l.device === this.identity.deviceId).at(-1);
    if (!newest) return this.held.has(doc);
    const had = this.held.get(doc);
    if (had && sameBytes(had.sealed, newest.sealed)) return true;
    try {
      const { keys } = openLockbox(this.crypto, newest.sealed, {
        recipient: this.identity,
        trustSender: (sender) => {
          const m = this.directory.member(sender);
          return m !== undefined && m.revokedAtEpoch === undefined && canWrite(m.role, scope);
        },
      });
      if (keys.doc !== doc) return this.held.has(doc);
      this.held.set(doc, { sealed: newest.sealed, view: docGrantView(keys) });
      return true;
    } catch {
      // A grant from someone who may not give it, or not for this device's key: never used.
      return this.held.has(doc);
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface GrantTargets {
  readonly crypto: CryptoProvider;
  /** The granting device: it must hold write keys for the scope. */
  readonly sender: DeviceIdentity;
  readonly keys: WorkspaceKeys;
  readonly index: Index;
  /** Verified membership: recipients must be current members. */
  readonly directory: Directory;
}

/** Seals the document's keys to each recipient (members, by their box key in the index) and files the lockboxes. */
export function grantDoc(t: GrantTargets, o: { doc: DocId; scope: Scope; to: readonly DeviceId[] }): void {
  const scopeKeys = t.keys.get(o.scope);
  if (!scopeKeys?.writeCap.secretKey) throw new TendrilError('E_FORBIDDEN', `only a device that may write ${o.scope} documents can grant one`);
  sealGrants(t, scopeKeys, o.doc, o.to);
}

/** Removes this document's grants for the devices (their input is refused by whoever checks; keys they read stay read). */
export function withdrawDoc(index: Index, doc: DocId, from: readonly DeviceId[]): void {
  for (const l of index.lockboxes.forDoc(doc)) if (from.includes(l.device)) index.lockboxes.remove(l.docId, l.epoch, l.device);
}

/**
 * After a key rotation: seals the new epoch of every granted document to the members still holding a
 * grant (revoked devices get none), so grants keep working under the new keys and capabilities.
 */
export function reissueDocGrants(t: GrantTargets & { workspace: WorkspaceId; scopeOfDoc: (doc: DocId) => Scope | undefined }): number {
  const scopeIds = new Set(ALL_SCOPES.map((s) => scopeKeyId(t.crypto, t.workspace, s)));
  const byDoc = new Map<DocId, Set<DeviceId>>();
  for (const l of t.index.lockboxes.list()) {
    if (scopeIds.has(l.docId)) continue;
    const m = t.directory.member(l.device);
    if (!m || m.revokedAtEpoch !== undefined) continue;
    byDoc.set(l.docId, (byDoc.get(l.docId) ?? new Set()).add(l.device));
  }
  let n = 0;
  for (const [doc, devices] of byDoc) {
    const scope = t.scopeOfDoc(doc);
    const scopeKeys = scope ? t.keys.get(scope) : undefined;
    if (!scopeKeys?.writeCap.secretKey) continue;
    sealGrants(t, scopeKeys, doc, [...devices]);
    n += devices.size;
  }
  return n;
}

function sealGrants(t: GrantTargets, scopeKeys: DocKeys, doc: DocId, to: readonly DeviceId[]): void {
  const bundle = docGrantKeys(t.crypto, scopeKeys, doc);
  for (const device of to) {
    const verified = t.directory.member(device);
    const row = t.index.members.get(device);
    if (!verified || verified.revokedAtEpoch !== undefined || !row) throw new TendrilError('E_BAD_INPUT', `${device} is not a current member`);
    const sealed = sealLockbox(t.crypto, { keys: bundle, write: false, sender: t.sender, recipient: { deviceId: device, boxPublicKey: row.boxPublicKey } });
    t.index.lockboxes.put(doc, keyEpoch(bundle.current), device, sealed);
  }
}
