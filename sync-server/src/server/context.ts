/**
 * What the frame handlers share within one relay instance. Built once by
 * createRelay; nothing in it is module-level, so two relays in one process
 * never see each other's state.
 */
import type { DeviceId, DocId, GuestLinkId, WorkspaceId } from '@tendril/crdt-schema/ids';
import type { RelayStore } from '../store/types.ts';
import type { Clock } from './clock.ts';
import type { RelayLimits } from './config.ts';
import type { Connection, Identity } from './connection.ts';
import type { FanoutMessage } from '../fanout/types.ts';
import type { DocHub } from './doc-hub.ts';
import type { Ed25519Verifier } from './ed25519.ts';
import type { Logger } from './logger.ts';
import type { ProblemLog } from './problem-log.ts';
import type { RelayMetrics } from './relay-metrics.ts';
import type { SubscriptionDeps } from './subscription.ts';
import type { UsageTracker } from './usage.ts';
import type { RegistrationGate } from './registration-gate.ts';
import type { GuestStore } from '../store/guest-types.ts';
import type { GuestCodeGate } from './guest-code-gate.ts';
import type { GuestHub } from './guest-hub.ts';
import type { BlobUploads } from './blob-uploads.ts';

export interface RelayContext {
  readonly store: RelayStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limits: RelayLimits;
  readonly metrics: RelayMetrics;
  readonly verifier: Ed25519Verifier;
  readonly hub: DocHub;
  readonly subscriptionDeps: SubscriptionDeps;
  /** Per-workspace quotas (usage.ts). */
  readonly usage: UsageTracker;
  /** Blob uploads under way, per connection (stored-blobs.ts). */
  readonly blobUploads: BlobUploads;
  /** Limits on registering new workspaces. */
  readonly registrations: RegistrationGate;
  /** Operator code required to register a workspace; undefined = open registration. */
  readonly accessCode: string | undefined;
  /** Check each envelope's author signature before storing it. */
  readonly verifyEnvelopes: boolean;
  /** Envelopes of at least this many bytes have their signature checked on the libuv thread pool. */
  readonly verifyOnPoolFromBytes: number;
  /** Stranger problems, counted and summarized instead of logged one by one. */
  readonly problems: ProblemLog;
  /**
   * Counts a connection whose hello verified against the per-device and
   * per-workspace caps and takes it out of the pre-auth budget; returns the
   * refusal detail when a cap is full (nothing counted then).
   */
  admitIdentity(conn: Connection, identity: Identity): string | undefined;
  /**
   * The same for a visitor admitted to a guest link: counted per visitor and per link (with the
   * per-device and per-workspace caps), never against the owner's workspace, so visitors cannot fill
   * the owner's connection cap.
   */
  admitGuest(conn: Connection, identity: Identity, link: GuestLinkId): string | undefined;
  /** Guest links: where they are kept, the code-guessing brake, the live visitors and watchers. */
  readonly guests: { readonly store: GuestStore; readonly gate: GuestCodeGate; readonly hub: GuestHub };
  /** Open connections of `device` in `workspace`. */
  connectionsOf(workspace: WorkspaceId, device: DeviceId): Connection[];
  /** Documents followed by the workspace's connections on this process, summed over connections. */
  subscriptionsOfWorkspace(workspace: WorkspaceId): number;
  /** Registers work that shutdown must wait for (commits and their acks). */
  track<T>(work: Promise<T>): Promise<T>;
  /** Tells the other relay processes on the store (fan-out); a no-op for a relay alone on its store. */
  announce(msg: FanoutMessage): void;
  /** Prunes entries the snapshot at `seq` covers, after the grace period. */
  schedulePrune(doc: DocId, seq: number): void;
}
