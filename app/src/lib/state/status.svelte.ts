/**
 * What the status bar tells the user, from the relay connection and every
 * open document: connected, syncing (with progress), offline, how many local
 * changes the relay has not acknowledged yet, and problems, with those that
 * are evidence of relay misbehaviour kept until dismissed. The browser's
 * online / offline events count too: `view` (connection-view.ts) is the one
 * reading the status bar and the offline banner both show.
 */
import { ConnectionState, SyncState, type DocSync, type SyncProblem } from '@tendril/crdt-schema/sync';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { connectionView, type ConnectionView } from './connection-view.ts';
import { frameBatched } from './frame-batch.ts';

export interface ShownProblem extends SyncProblem {
  readonly at: number;
  readonly count: number;
}

const MAX_PROBLEMS = 20;

export class SyncStatusState {
  connection = $state<ConnectionState>(ConnectionState.Offline);
  /** Documents still catching up, and entries received / expected over all of them. */
  syncing = $state(0);
  received = $state(0);
  expected = $state(0);
  unacked = $state(0);
  docs = $state(0);
  problems = $state.raw<ShownProblem[]>([]);
  /** Set when the relay refused this device for good (revoked). */
  revoked = $state(false);
  /** Set after the first successful handshake of this session (to tell "reconnected" from "connected"). */
  everConnected = $state(false);
  reconnects = $state(0);
  /** The connection dropped or an attempt failed, and none succeeded since. */
  relayFailed = $state(false);
  /** The browser's word on the network (navigator.onLine and its events). */
  deviceOnline = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
  /** What the status bar and the offline banner show, read once for both. */
  readonly view: ConnectionView = $derived(connectionView({
    deviceOnline: this.deviceOnline, connection: this.connection, everConnected: this.everConnected, relayFailed: this.relayFailed, syncing: this.syncing, revoked: this.revoked,
  }));

  private readonly session: WorkspaceSession;
  private readonly watched = new WeakSet<DocSync>();
  /** How many of the peer's recorded problems have been shown (it records every one, from the first). */
  private problemsSeen = 0;
  private readonly batch = frameBatched(() => this.recompute());
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(session: WorkspaceSession) {
    this.session = session;
    const relay = session.peer.relay;
    this.connection = relay.state;
    relay.on('state', this.onState);
    relay.on('problem', this.onRelayProblem);
    this.timer = setInterval(() => this.batch.schedule(), 1000);
    addEventListener('online', this.onNetwork);
    addEventListener('offline', this.onNetwork);
    this.recompute();
  }

  private readonly onNetwork = (): void => {
    this.deviceOnline = navigator.onLine;
  };

  private readonly onState = (s: ConnectionState): void => {
    if (s === ConnectionState.Open) {
      if (this.everConnected) this.reconnects++;
      this.everConnected = true;
      this.relayFailed = false;
    }
    if (s === ConnectionState.Offline) this.relayFailed = true;
    this.connection = s;
    this.batch.schedule();
  };

  private readonly onRelayProblem = (): void => this.batch.schedule();

  /** Takes the problems the peer recorded since the last look (documents report them before anyone listens). */
  private collectProblems(): void {
    const peer = this.session.peer;
    const kept = peer.seenProblems;
    // The peer keeps only the latest problems: count in totals, and skip what it no longer holds.
    const firstKept = peer.problemCount - kept.length;
    for (; this.problemsSeen < peer.problemCount; this.problemsSeen++) {
      const p = kept[this.problemsSeen - firstKept];
      if (p) this.show(p);
    }
  }

  private show(p: SyncProblem): void {
    if (p.code === 'E_REVOKED') this.revoked = true;
    const same = this.problems.find((x) => x.code === p.code && x.message === p.message);
    const rest = this.problems.filter((x) => x !== same);
    this.problems = [{ ...p, at: Date.now(), count: (same?.count ?? 0) + 1 }, ...rest].slice(0, MAX_PROBLEMS);
  };

  private readonly onDocStatus = (): void => this.batch.schedule();

  private recompute(): void {
    let syncing = 0;
    let received = 0;
    let expected = 0;
    let unacked = 0;
    const docs = this.session.peer.docs();
    for (const d of docs) {
      if (!this.watched.has(d)) {
        this.watched.add(d);
        d.on('status', this.onDocStatus);
      }
      const s = d.status;
      if (s.state === SyncState.Syncing || s.state === SyncState.Connecting) {
        syncing++;
        received += s.progress.received;
        expected += s.progress.expected;
      }
      unacked += d.unacked;
    }
    this.collectProblems();
    this.docs = docs.length;
    this.syncing = this.connection === ConnectionState.Open ? syncing : 0;
    this.received = received;
    this.expected = expected;
    this.unacked = unacked;
  }

  /** Problems that show the relay misbehaving (tampering, withholding, rollback...). */
  get misbehaviour(): ShownProblem[] {
    return this.problems.filter((p) => p.relayMisbehaviour);
  }

  dismiss(p: ShownProblem): void {
    this.problems = this.problems.filter((x) => x !== p);
  }

  destroy(): void {
    clearInterval(this.timer);
    this.batch.cancel();
    removeEventListener('online', this.onNetwork);
    removeEventListener('offline', this.onNetwork);
    const relay = this.session.peer.relay;
    relay.off('state', this.onState);
    relay.off('problem', this.onRelayProblem);
    for (const d of this.session.peer.docs()) d.off('status', this.onDocStatus);
  }
}
