/**
 * Relay limits and their defaults. Every limit is configurable and every
 * refusal it causes is an error frame with a stable code (in brackets).
 */
import { DEFAULT_MAX_FRAME_BYTES } from '@tendril/crdt-schema/wire';

export interface RelayLimits {
  /** Largest frame accepted [E_FRAME_TOO_LARGE, fatal]. ws drops anything over twice this with close 1009. */
  maxFrameBytes: number;
  /** Sustained frames per second per connection, presence and streams aside (token bucket) [E_RATE_LIMITED, frame dropped]. */
  framesPerSecond: number;
  /** Bucket size: frames a connection may send in a burst. */
  frameBurst: number;
  /** New connections per second per client address, refused before the WebSocket handshake [HTTP 429]. */
  connectsPerSecondPerIp: number;
  /** New connections one client address may open in a burst. */
  connectBurstPerIp: number;
  /** Sockets of refused addresses held unread at once (a retry loop waits on them) before more are closed at once; 0: none held. */
  tarpitConnections: number;
  /** Sockets of one refused address held unread at once. */
  tarpitPerIp: number;
  /** How long a refused address's socket is held before it is closed. */
  tarpitMs: number;
  /** Connections per client address that have not completed their hello [E_TOO_MANY_CONNECTIONS, fatal]. */
  maxPreAuthPerIp: number;
  /** Connections across all addresses that have not completed their hello [E_TOO_MANY_CONNECTIONS, fatal]. */
  maxPreAuthConnections: number;
  /** Bytes one connection may send before its hello is verified (a hello is small) [E_FRAME_TOO_LARGE, socket dropped]. */
  maxPreAuthBytes: number;
  /** Bytes received and not yet past the hello, summed over all pre-auth connections [E_TOO_MANY_CONNECTIONS, socket dropped]. */
  maxPreAuthBytesTotal: number;
  /** Authenticated connections of one device [E_TOO_MANY_CONNECTIONS, fatal]. */
  maxConnectionsPerDevice: number;
  /** Authenticated connections of one workspace [E_TOO_MANY_CONNECTIONS, fatal]. */
  maxConnectionsPerWorkspace: number;
  /** Frames refused as unknown types or sent before the hello, per connection, before it is closed [E_FRAME_UNKNOWN / E_AUTH_REQUIRED, fatal]. */
  maxStrayFrames: number;
  /**
   * Documents subscribed at once on one connection [E_TOO_MANY_DOCS]. As high as a workspace's
   * document quota, so one device can follow a whole workspace on one connection (a worker does).
   */
  maxDocsPerConnection: number;
  /**
   * Subscriptions held at once by one workspace's connections on one relay process, summed over
   * its connections [E_TOO_MANY_DOCS]: bounds what a member device's connections can make the
   * relay hold (see the README for the cost of one).
   */
  maxSubscriptionsPerWorkspace: number;
  /** Time from connect to a verified hello [E_AUTH_TIMEOUT, fatal]. */
  authTimeoutMs: number;
  /** Ping period; a socket that did not answer the previous ping is terminated. */
  pingIntervalMs: number;
  /** Bytes queued to a peer before it counts as a slow consumer [E_SLOW_CONSUMER, fatal]. Exceeds maxFrameBytes. */
  maxBufferedBytes: number;
  /** Presence frames per second per connection [E_RATE_LIMITED]. */
  presencePerSecond: number;
  presenceBurst: number;
  /** Largest presence payload [E_PRESENCE_TOO_LARGE]. */
  maxPresenceBytes: number;
  /** Stream frames (terminal output and input) per second per connection [E_RATE_LIMITED]. */
  streamPerSecond: number;
  streamBurst: number;
  /** Largest stream payload [E_STREAM_TOO_LARGE]. */
  maxStreamBytes: number;
  /** Delay between accepting a snapshot and pruning the entries it covers, so catch-ups in flight finish. */
  pruneGraceMs: number;
  /** Entries read from the store per catch-up page. */
  catchUpPageSize: number;
  /** Envelope bytes per catch-up page: a page stops at the first entry that reaches this (so it holds at most this plus one entry). */
  catchUpPageBytes: number;
  /** Period of the summary line that counts stranger problems (refusals before the hello, peer error frames). */
  problemLogIntervalMs: number;
  /** Largest one-time blob [E_BAD_INPUT]. */
  maxBlobBytes: number;
  /** Longest blob lifetime [E_BAD_INPUT]. */
  maxBlobTtlSeconds: number;
  /** How often expired blobs are deleted. */
  blobSweepIntervalMs: number;
  /** Largest stored (content-addressed) blob: an attachment or a backup chunk [E_BLOB_TOO_LARGE]. */
  maxStoredBlobBytes: number;
  /** Blob uploads one connection may have under way at once [E_BAD_INPUT]. */
  maxBlobUploadsPerConnection: number;
  /** Bytes of unfinished blob uploads the relay holds in memory, all connections together [E_RATE_LIMITED]. */
  maxPendingBlobBytes: number;
  /** On shutdown, how long peers get to close before their sockets are terminated. */
  shutdownTimeoutMs: number;
  /**
   * With relay processes sharing a store: how often followed documents' heads are read from the
   * store, so an append whose fan-out notice was lost reaches an idle document's subscribers.
   */
  headCheckIntervalMs: number;
  /** Documents one workspace may register [E_QUOTA_EXCEEDED]. */
  maxDocsPerWorkspace: number;
  /** Bytes one workspace may store: entries, snapshots and blobs [E_QUOTA_EXCEEDED]. */
  maxStoredBytesPerWorkspace: number;
  /** Blobs one workspace may hold at once [E_QUOTA_EXCEEDED]. */
  maxBlobsPerWorkspace: number;
  /** How long a workspace's usage figures are trusted before they are read from the store again. */
  usageRefreshMs: number;
  /** New workspaces one remote address may register per registration window [E_REGISTRATION_LIMIT, fatal]. */
  maxRegistrationsPerIp: number;
  /** The window of maxRegistrationsPerIp. */
  registrationWindowMs: number;
  /** Workspaces the relay holds in total; registration stops there [E_REGISTRATION_LIMIT, fatal]. */
  maxWorkspaces: number;
  /** Wrong guest access codes from one address before each further try must wait [E_GUEST_CODE, fatal, with the wait]. */
  guestCodeFreeTriesPerIp: number;
  /** Wrong guest access codes for one link, from any address, before each further try must wait. */
  guestCodeFreeTriesPerLink: number;
  /** The first wait after the free tries; it doubles with each further wrong code. */
  guestCodeDelayMs: number;
  /** The longest wait between guest code tries. */
  guestCodeMaxDelayMs: number;
  /** Wrong codes are forgotten after this long without another. */
  guestCodeForgetMs: number;
  /** Messages all guests from one address may send per minute, whatever their links [E_GUEST_LIMIT]. */
  guestMessagesPerMinutePerIp: number;
  /** Largest guest message envelope [E_GUEST_LIMIT]. */
  maxGuestMessageBytes: number;
}

export const DEFAULT_LIMITS: Readonly<RelayLimits> = Object.freeze({
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  framesPerSecond: 200,
  frameBurst: 400,
  connectsPerSecondPerIp: 10,
  connectBurstPerIp: 200,
  tarpitConnections: 512,
  tarpitPerIp: 64,
  tarpitMs: 10_000,
  maxPreAuthPerIp: 32,
  maxPreAuthConnections: 1024,
  maxPreAuthBytes: 64 * 1024,
  maxPreAuthBytesTotal: 16 * 1024 * 1024,
  maxConnectionsPerDevice: 16,
  maxConnectionsPerWorkspace: 512,
  maxStrayFrames: 16,
  maxDocsPerConnection: 10_000,
  maxSubscriptionsPerWorkspace: 100_000,
  authTimeoutMs: 5_000,
  pingIntervalMs: 30_000,
  maxBufferedBytes: 8 * 1024 * 1024,
  presencePerSecond: 20,
  presenceBurst: 40,
  maxPresenceBytes: 8 * 1024,
  streamPerSecond: 200,
  streamBurst: 400,
  maxStreamBytes: 256 * 1024,
  pruneGraceMs: 30_000,
  catchUpPageSize: 128,
  catchUpPageBytes: 1024 * 1024,
  problemLogIntervalMs: 60_000,
  maxBlobBytes: 64 * 1024,
  maxBlobTtlSeconds: 7 * 24 * 3600,
  blobSweepIntervalMs: 60_000,
  maxStoredBlobBytes: 16 * 1024 * 1024,
  maxBlobUploadsPerConnection: 4,
  maxPendingBlobBytes: 256 * 1024 * 1024,
  shutdownTimeoutMs: 5_000,
  headCheckIntervalMs: 5_000,
  maxDocsPerWorkspace: 10_000,
  maxStoredBytesPerWorkspace: 1024 * 1024 * 1024,
  maxBlobsPerWorkspace: 256,
  usageRefreshMs: 10_000,
  maxRegistrationsPerIp: 10,
  registrationWindowMs: 3_600_000,
  maxWorkspaces: 100_000,
  guestCodeFreeTriesPerIp: 5,
  guestCodeFreeTriesPerLink: 20,
  guestCodeDelayMs: 1_000,
  guestCodeMaxDelayMs: 10 * 60_000,
  guestCodeForgetMs: 3_600_000,
  guestMessagesPerMinutePerIp: 120,
  maxGuestMessageBytes: 32 * 1024,
});

/** Defaults overlaid with `overrides`; throws on a value that is not a positive number. */
export function resolveLimits(overrides: Partial<RelayLimits> = {}): RelayLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [name, value] of Object.entries(overrides) as [keyof RelayLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!(name in DEFAULT_LIMITS)) throw new Error(`unknown relay limit ${name}`);
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
      throw new Error(`relay limit ${name} must be a positive number, got ${String(value)}`);
    }
    limits[name] = value;
  }
  return limits;
}

/** Bytes a catch-up lets queue before it waits for the socket to drain (well below the slow-consumer cap). */
export function catchUpHighWater(limits: RelayLimits): number {
  return Math.max(16 * 1024, Math.floor(limits.maxBufferedBytes / 4));
}
