/**
 * Where the relay keeps guest links and their visitors (docs/PROTOCOL.md,
 * guest frames). Nothing here is secret: the code is kept as its verifier,
 * a visitor's key box is sealed to the owner, and conversations themselves
 * are ordinary documents in the RelayStore. Every implementation runs the
 * acceptance suite in guest-acceptance.ts.
 */
import type { GuestLinkId, WorkspaceId } from '@tendril/crdt-schema/ids';
import type { CodeRule, GuestCodeCounts } from './guest-code-counts.ts';

export interface GuestLinkRecord {
  readonly link: GuestLinkId;
  /** The workspace of the member device that registered the link; its conversations live there. */
  readonly workspace: WorkspaceId;
  /** The owner's key for the link: signs requests about it and is the capability of its conversations. */
  readonly capKey: Uint8Array;
  readonly codeVerifier: Uint8Array;
  /** 0 = never. */
  readonly expiresAt: number;
  readonly maxVisitors: number;
  readonly visitorPerMinute: number;
  readonly linkPerMinute: number;
  readonly createdAt: number;
  /** 0 while open. */
  readonly endedAt: number;
}

export interface GuestVisitorRecord {
  readonly link: GuestLinkId;
  readonly key: Uint8Array;
  readonly keyBox: Uint8Array;
  readonly admittedAt: number;
  /** 0 while the visitor may talk. */
  readonly endedAt: number;
}

/** What admitVisitor did. */
export type AdmitResult =
  /** A new visitor, recorded with its key box. */
  | { readonly status: 'admitted'; readonly visitor: GuestVisitorRecord }
  /** A visitor seen before (their key box is kept as first stored). */
  | { readonly status: 'returning'; readonly visitor: GuestVisitorRecord }
  /** The link already has `maxVisitors` visitors: nothing stored. */
  | { readonly status: 'full' };

export interface GuestStore {
  /** Stores a link, or replaces its terms (keeps createdAt and endedAt of a stored one). */
  putLink(record: GuestLinkRecord): Promise<void>;
  getLink(link: GuestLinkId): Promise<GuestLinkRecord | undefined>;
  /** Marks the link ended at `at` (kept when already ended); false when unknown. */
  endLink(link: GuestLinkId, at: number): Promise<boolean>;
  /** Records a new visitor unless the link holds `maxVisitors` already; one step, so two admissions cannot both take the last place. */
  admitVisitor(link: GuestLinkId, key: Uint8Array, keyBox: Uint8Array, at: number, maxVisitors: number): Promise<AdmitResult>;
  getVisitor(link: GuestLinkId, key: Uint8Array): Promise<GuestVisitorRecord | undefined>;
  /** The link's visitors in admission order. */
  listVisitors(link: GuestLinkId): Promise<GuestVisitorRecord[]>;
  /** Marks a visitor ended at `at` (kept when already ended); false when unknown. */
  endVisitor(link: GuestLinkId, key: Uint8Array, at: number): Promise<boolean>;
  /**
   * Wrong-code counts kept with the links, for a store several relay processes share; absent: each
   * process counts in its own memory (server/guest-code-gate.ts).
   */
  codeCounts?(rule: CodeRule): GuestCodeCounts;
  close(): Promise<void>;
}
