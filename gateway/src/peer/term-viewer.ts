/**
 * Watching a terminal session from a device: restore the latest screen
 * snapshot, replay the output batches after it, then follow live output, in
 * order, with no byte lost or doubled (a gap in the output sequence makes the
 * viewer ask the gateway again from where it is). Writers type through
 * `send`: every input frame is signed by this device and carries a strictly
 * increasing counter, so the gateway can refuse anything else.
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { Scope } from '@tendril/crdt-schema/keyring';
import { terminalDoc, type SessionEntry } from '@tendril/crdt-schema/schema';
import type { DocSync, SyncStatus } from '@tendril/crdt-schema/sync';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { decodeSnapshot, HeadlessScreen, snapshotBytes } from '../terminal/index.ts';
import { signInput } from './signatures.ts';
import { decodeTerm, encodeTerm, TermTag } from './term-messages.ts';

export class TermViewer {
  private readonly crypto: CryptoProvider;
  private readonly session: WorkspaceSession;
  readonly entry: SessionEntry;
  private sync!: DocSync;
  private screen = new HeadlessScreen({ cols: 80, rows: 24 });
  private writes: Promise<void> = Promise.resolve();
  private nextSeq = 0;
  private restored = false;
  private readonly early = new Map<number, Uint8Array>();
  private lastJoin = 0;
  private counter = 0;
  private ended: number | null = null;
  private changed: (() => void) | null = null;

  constructor(crypto: CryptoProvider, session: WorkspaceSession, entry: SessionEntry) {
    this.crypto = crypto;
    this.session = session;
    this.entry = entry;
  }

  /** Opens the session document, restores what it holds, and asks the gateway to catch this viewer up. */
  async open(timeoutMs = 15_000): Promise<void> {
    this.sync = await this.session.peer.openDoc({ doc: this.entry.docId, scope: Scope.Terminals });
    this.sync.on('stream', (from, payload) => this.onStream(from, payload));
    this.sync.on('status', (s: SyncStatus) => {
      if (s.state === 'synced') this.join();
    });
    this.session.connect();
    await this.sync.whenSynced(timeoutMs);
    const doc = terminalDoc(this.sync.ydoc);
    const size = doc.toJSON().size;
    if (size) this.screen = new HeadlessScreen({ cols: size.cols, rows: size.rows });
    const stored = doc.snapshots.latest();
    if (stored) this.restore(stored.bytes);
    this.join();
  }

  private join(): void {
    this.lastJoin = Date.now();
    this.sync.sendStream(encodeTerm({ t: TermTag.Join, fromSeq: this.nextSeq, fresh: !this.restored }), this.entry.gateway);
  }

  private restore(encoded: Uint8Array): void {
    const snap = decodeSnapshot(encoded);
    if (this.restored && snap.coversSeq < this.nextSeq) return;
    const screen = new HeadlessScreen({ cols: snap.cols, rows: snap.rows });
    this.screen = screen;
    this.writes = this.writes.then(() => screen.write(snapshotBytes(snap)));
    this.nextSeq = snap.coversSeq;
    this.restored = true;
    for (const seq of [...this.early.keys()]) if (seq < this.nextSeq) this.early.delete(seq);
    this.drain();
  }

  private onStream(from: DeviceId, payload: Uint8Array): void {
    if (from !== this.entry.gateway) return;
    const m = decodeTerm(payload);
    if (!m) return;
    if (m.t === TermTag.Snapshot) this.restore(m.snapshot);
    else if (m.t === TermTag.Output) {
      if (m.seq >= this.nextSeq) this.early.set(m.seq, m.bytes);
      this.drain();
    } else if (m.t === TermTag.Size) this.writes = this.writes.then(() => this.screen.resize({ cols: m.cols, rows: m.rows }));
    else if (m.t === TermTag.Ended) this.ended = m.exitCode;
    this.changed?.();
  }

  /** Writes batches in sequence; a hole that stays open asks the gateway again. */
  private drain(): void {
    if (!this.restored) return;
    for (let bytes = this.early.get(this.nextSeq); bytes !== undefined; bytes = this.early.get(this.nextSeq)) {
      this.early.delete(this.nextSeq);
      this.nextSeq++;
      const screen = this.screen;
      this.writes = this.writes.then(() => screen.write(bytes));
    }
    if (this.early.size > 0 && Date.now() - this.lastJoin > 250) this.join();
  }

  /** Types `text` (signed, counter-checked by the gateway). */
  send(text: string): void {
    const data = new TextEncoder().encode(text);
    this.counter = Math.max(this.counter + 1, Date.now() * 1000);
    const signature = signInput(this.crypto, this.session.home.identity, this.entry.id, this.counter, data);
    this.sync.sendStream(encodeTerm({ t: TermTag.Input, counter: this.counter, data, signature }), this.entry.gateway);
  }

  /** The visible screen as text, once every received byte is parsed. */
  async screenText(): Promise<string> {
    await this.writes;
    return this.screen.screenText();
  }

  get exitCode(): number | null {
    return this.ended;
  }

  /** Resolves once the screen contains `text`, or rejects at the deadline. */
  async waitFor(text: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screenText();
      if (screen.includes(text)) return screen;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`"${text}" did not appear on the screen within ${timeoutMs / 1000} s`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.changed = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.changed = null;
    }
  }
}
