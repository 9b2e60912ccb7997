/**
 * The gateway's side of SSH key administration: it carries out the signed
 * requests members leave in its administration document (add a key with a
 * label and an optional expiry, revoke a key it added, grant its configured
 * support key for a while), but only those signed by a current admin of the
 * workspace, addressed to this gateway, near its clock and never seen
 * before (ids kept in `used`, which the gateway persists). Keys with an
 * expiry are removed by a sweep every `sweepEveryMs` and on start, so a key
 * whose time ran out while the gateway was down goes as soon as it is back.
 * Every request, carried out or refused, and every expiry is answered or
 * logged in the document's activity log (signed by the gateway) and on the
 * gateway's log.
 */
import type { CryptoProvider, DeviceIdentity } from '@tendril/crdt-schema/crypto';
import { isTendrilError, TendrilError } from '@tendril/crdt-schema/errors';
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import type { GatewayAdminDoc } from '@tendril/crdt-schema/schema';
import type { Directory } from '@tendril/crdt-schema/workspace';
import type { AuthorizedKeys, ManagedKey } from '../host/authorized-keys.ts';
import { checkLabel, parsePublicKey, type PublicKey } from '../host/ssh-public-key.ts';
import { openSshRequest, signSshAnswer, signSshLogEntry, signSshState, type SshLogEntry, type SshRequest } from './ssh-signatures.ts';
import type { UsedTransferStore } from './used-transfers.ts';
import type { GatewayLog } from './gateway-log.ts';

/** The longest support grant (and the longest a key may be added for is unbounded). */
export const MAX_SUPPORT_MS = 30 * 86_400_000;
export const DEFAULT_SUPPORT_MS = 86_400_000;

/** The key support staff log in with, as configured on the gateway. */
export interface SupportKey {
  readonly key: PublicKey;
  readonly label: string;
}

/** Reads `--support-key`: a public key line whose comment, if it is a fit label, names it. */
export function parseSupportKey(line: string): SupportKey {
  const key = parsePublicKey(line);
  const comment = line.trim().split(/[ \t]+/).slice(2).join(' ');
  let label = 'support';
  try {
    if (comment) label = checkLabel(comment);
  } catch {
    // A comment that cannot stand as a label leaves the plain name.
  }
  return { key, label };
}

export interface SshAdminOptions {
  readonly crypto: CryptoProvider;
  readonly identity: DeviceIdentity;
  readonly directory: Directory;
  readonly doc: GatewayAdminDoc;
  readonly keys: AuthorizedKeys;
  readonly support: SupportKey | null;
  /** Request ids already carried out or refused; persist it so a kept request is not new after a restart. */
  readonly used: UsedTransferStore;
  readonly log?: GatewayLog;
  readonly now?: () => number;
  /** How often expired keys are looked for (default 30 s). */
  readonly sweepEveryMs?: number;
  /** How far a request's time may be from the gateway's clock (default 10 min). */
  readonly clockSkewMs?: number;
}

const USED_SCOPE = 'ssh' as SessionId;

export class SshAdmin {
  private readonly me: DeviceId;
  private readonly inflight = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | null = null;
  private unobserve: (() => void) | null = null;

  constructor(private readonly o: SshAdminOptions) {
    this.me = o.identity.deviceId;
  }

  /** Sweeps and publishes once (a file it cannot read or write is logged, not fatal: the next sweep tries again), then listens. */
  async start(): Promise<void> {
    await this.serial(() => this.sweep()).catch(() => undefined);
    await this.serial(() => this.publish()).catch(() => undefined);
    this.unobserve = this.o.doc.observe(() => this.kick());
    this.timer = setInterval(() => void this.serial(() => this.sweep()), this.o.sweepEveryMs ?? 30_000);
    this.timer.unref?.();
    this.kick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.unobserve?.();
  }

  /** Looks for requests not carried out yet (the document or the member list changed). */
  kick(): void {
    for (const { id, bytes } of this.o.doc.pending()) {
      if (this.inflight.has(id)) continue;
      this.inflight.add(id);
      void this.serial(() => this.handle(id, bytes)).finally(() => this.inflight.delete(id));
    }
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.catch(() => undefined).then(run);
    this.queue = next;
    next.catch((e: unknown) => this.o.log?.(`ssh: ${e instanceof Error ? e.message : String(e)}`));
    return next;
  }

  private async handle(id: string, bytes: Uint8Array): Promise<void> {
    if (this.o.doc.result(id) !== undefined) return;
    const r = openSshRequest(this.o.crypto, bytes);
    if (!r || r.id !== id) return this.answerRefused(id, null, 'E_BAD_SIGNATURE', 'the request is not signed by the device it names');
    if (r.gateway !== this.me) return this.answerRefused(id, r, 'E_BAD_INPUT', 'the request is for another gateway');
    const member = this.o.directory.member(r.requester);
    // Not in the member list yet: the index may still be syncing; the request waits for the next change.
    if (member === undefined) return;
    if (member.revokedAtEpoch !== undefined || member.role !== 'admin') {
      return this.answerRefused(id, r, 'E_FORBIDDEN', 'only an admin of the workspace may change the SSH keys of a gateway');
    }
    if (Math.abs(this.now() - r.at) > (this.o.clockSkewMs ?? 10 * 60_000)) return this.answerRefused(id, r, 'E_REPLAY', 'the request is too old (or the clocks differ)');
    if (!this.o.used.claim(USED_SCOPE, r.requester, Number(id), r.at)) return this.answerRefused(id, r, 'E_REPLAY', 'this request was carried out before');
    let key: ManagedKey;
    try {
      key = await this.apply(r);
    } catch (e) {
      const code = isTendrilError(e) ? e.code : 'E_STORE_FAILED';
      const message = e instanceof Error ? e.message : String(e);
      this.o.log?.(`ssh: ${r.kind} by ${r.requester} failed (${code}: ${message})`, { device: r.requester });
      this.record({ action: r.kind, outcome: 'error', device: r.requester, detail: `${code}: ${message}` });
      this.o.doc.answer(id, signSshAnswer(this.o.crypto, this.o.identity, { id, ok: false, code, message }));
      return;
    }
    const detail = describe(r.kind, key);
    this.o.log?.(`ssh: ${detail} (by ${r.requester})`, { device: r.requester });
    this.record({ action: r.kind, outcome: 'allowed', device: r.requester, key, detail });
    // The list first: whoever sees the answer then sees the key list that includes the change.
    await this.publish();
    this.o.doc.answer(id, signSshAnswer(this.o.crypto, this.o.identity, { id, ok: true, message: detail, key }));
  }

  private async apply(r: SshRequest): Promise<ManagedKey> {
    const now = this.now();
    if (r.kind === 'add') {
      const key = parsePublicKey(r.key ?? '');
      const label = checkLabel(r.label ?? '');
      const expiresAt = r.expiresAt ? r.expiresAt : null;
      if (expiresAt !== null && expiresAt <= now) throw new TendrilError('E_BAD_INPUT', 'the expiry is in the past');
      return this.o.keys.add({ key, label, expiresAt });
    }
    if (r.kind === 'revoke') {
      const [removed] = await this.o.keys.removeWhere((k) => k.id === r.target);
      if (!removed) throw new TendrilError('E_BAD_INPUT', `no key ${r.target ?? ''} added by this gateway`);
      return removed;
    }
    const support = this.o.support;
    if (!support) throw new TendrilError('E_BAD_INPUT', 'this gateway has no support key configured (gateway flag --support-key)');
    const forMs = r.forMs ?? 0;
    if (forMs < 1000 || forMs > MAX_SUPPORT_MS) throw new TendrilError('E_BAD_INPUT', `support access lasts from 1 s to ${MAX_SUPPORT_MS / 86_400_000} days`);
    // A new grant replaces the running one: one support line at a time, with the new end.
    await this.o.keys.removeWhere((k) => k.support);
    return this.o.keys.add({ key: support.key, label: support.label, expiresAt: now + forMs, support: true });
  }

  /** Removes keys whose time is up. */
  private async sweep(): Promise<void> {
    const now = this.now();
    // Requests older than twice the clock window are refused by age before their id is looked up.
    this.o.used.prune(now - 2 * (this.o.clockSkewMs ?? 10 * 60_000));
    const gone = await this.o.keys.removeWhere((k) => k.expiresAt !== null && k.expiresAt <= now);
    for (const key of gone) {
      const detail = `${key.support ? 'support access' : `key ${key.id}`} (${key.label}) expired and was removed`;
      this.o.log?.(`ssh: ${detail}`);
      this.record({ action: 'expire', outcome: 'allowed', key, detail });
    }
    if (gone.length > 0) await this.publish();
  }

  private async publish(): Promise<void> {
    const keys = await this.o.keys.list();
    const support = this.o.support ? { fingerprint: this.o.support.key.fingerprint, label: this.o.support.label } : null;
    this.o.doc.setState(signSshState(this.o.crypto, this.o.identity, { at: this.now(), keys, support }));
  }

  private answerRefused(id: string, r: SshRequest | null, code: string, message: string): void {
    this.o.log?.(`ssh: request ${id}${r ? ` (${r.kind}) from ${r.requester}` : ''} refused (${code}: ${message})`, r ? { device: r.requester } : {});
    if (r) this.record({ action: r.kind, outcome: 'denied', device: r.requester, detail: `${code}: ${message}` });
    this.o.doc.answer(id, signSshAnswer(this.o.crypto, this.o.identity, { id, ok: false, code, message }));
  }

  private record(e: Omit<SshLogEntry, 'gateway' | 'at'>): void {
    this.o.doc.appendLog(this.me, [signSshLogEntry(this.o.crypto, this.o.identity, { ...e, at: this.now() })]);
  }
}

function describe(kind: SshRequest['kind'], key: ManagedKey): string {
  const until = key.expiresAt !== null ? ` until ${new Date(key.expiresAt).toISOString()}` : '';
  if (kind === 'support') return `support access granted${until} (${key.fingerprint})`;
  if (kind === 'revoke') return `${key.support ? 'support access' : `key ${key.id}`} (${key.label}) revoked`;
  return `key ${key.id} (${key.label}, ${key.fingerprint}) added${until}`;
}
