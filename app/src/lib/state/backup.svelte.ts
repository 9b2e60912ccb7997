/**
 * Backups to the relay, as reactive state: whether this device holds the
 * backup key, the restore points, what the last run did, and the automatic
 * schedule (backup-scheduler.ts) ticking once a minute and whenever the
 * connection opens. Counts the bytes of changes this device receives or
 * makes, so a large change brings the next backup forward.
 */
import { DEFAULT_SCHEDULE, listRestorePoints, pruneRestorePoints, type BackupBlobs, type RestorePoint } from '@tendril/crdt-schema/backup';
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { ConnectionState, type DocSync } from '@tendril/crdt-schema/sync';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import type { Progress } from '../session/backup.ts';
import type { BackupSecretKind, StoredBackupKey } from '../session/backup-key-store.ts';
import { schedulerTick } from '../session/backup-scheduler.ts';
import { backUpNow, keyStoreOf, sessionBlobs, setUpBackupKey, type BackupRun } from '../session/relay-backup.ts';
import type { SettingsState } from './settings.svelte.ts';

const TICK_MS = 60_000;
const SETTLE_MS = 5_000;

export class BackupState {
  /** This device's backup key record; null: the phrase was never set up here. */
  stored = $state.raw<StoredBackupKey | null>(null);
  loaded = $state(false);
  points = $state.raw<readonly RestorePoint[]>([]);
  /** Restore points made under another phrase (kept, not listed). */
  unreadable = $state(0);
  progress = $state.raw<Progress | null>(null);
  lastRun = $state.raw<BackupRun | null>(null);
  error = $state<string | null>(null);
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly watched = new WeakSet<DocSync>();
  private changed = 0;
  private running: Promise<void> | null = null;
  private destroyed = false;

  constructor(
    private readonly crypto: CryptoProvider,
    private readonly session: WorkspaceSession,
    private readonly settings: () => SettingsState | null,
  ) {
    void keyStoreOf(session).load().then((s) => {
      this.stored = s;
      this.loaded = true;
      void this.tick();
    });
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    session.peer.relay.on('state', this.onState);
  }

  private get blobs(): BackupBlobs {
    return sessionBlobs(this.session);
  }

  private readonly onState = (s: ConnectionState): void => {
    if (s === ConnectionState.Open) void this.tick();
  };

  private watchDocs(): void {
    for (const sync of this.session.peer.docs()) {
      if (this.watched.has(sync)) continue;
      this.watched.add(sync);
      sync.ydoc.on('update', (update: Uint8Array) => (this.changed += update.length));
    }
  }

  /** One automatic-backup decision; errors are shown, and the next tick tries again. */
  async tick(): Promise<void> {
    if (this.destroyed || this.running || !this.loaded) return;
    this.watchDocs();
    if (this.session.peer.relay.state !== ConnectionState.Open) return;
    const settings = this.settings();
    this.running = schedulerTick({
      me: this.session.home.identity.deviceId,
      now: Date.now,
      schedule: DEFAULT_SCHEDULE,
      settings: () => (settings ? { policy: settings.doc.backupPolicy(), lease: settings.doc.backupLease(), setLease: (l) => settings.doc.setBackupLease(l) } : null),
      lastBackupAt: () => Promise.resolve(this.stored ? this.stored.lastBackupAt : undefined),
      changedBytes: () => this.changed,
      settle: async () => {
        // The lease reaches the relay and any concurrent take comes back merged before this device reads it again.
        if (settings) await settings.sync.flush().then(() => settings.sync.whenSynced(SETTLE_MS)).catch(() => {});
      },
      backUp: () => this.run(),
    })
      .then(() => undefined)
      .catch((e: unknown) => void (this.error = e instanceof Error ? e.message : String(e)))
      .finally(() => (this.running = null));
    await this.running;
  }

  private async run(): Promise<void> {
    const stored = this.stored;
    const settings = this.settings();
    if (!stored) return;
    this.error = null;
    this.changed = 0;
    try {
      const policy = settings?.doc.backupPolicy() ?? { daily: 7, weekly: 4 };
      this.lastRun = await backUpNow(this.crypto, this.session, this.blobs, stored, { now: Date.now, policy, onProgress: (p) => (this.progress = p) });
      this.stored = { ...stored, lastBackupAt: this.lastRun.manifest.createdAt };
      await this.refresh();
    } finally {
      this.progress = null;
    }
  }

  /** Writes a restore point now (the lease is not needed for a manual backup). */
  async backUpNow(): Promise<void> {
    await this.running;
    this.running = this.run().finally(() => (this.running = null));
    await this.running;
  }

  /** Sets the recovery phrase (or a strong passphrase) up on this device, then backs up at once. */
  async setUp(secretText: string, kind: BackupSecretKind): Promise<void> {
    this.progress = { label: 'Deriving the backup key (Argon2id, a few seconds)…' };
    try {
      this.stored = await setUpBackupKey(this.crypto, this.session, secretText, kind, Date.now());
    } finally {
      this.progress = null;
    }
    await this.backUpNow();
  }

  async refresh(): Promise<void> {
    const stored = this.stored;
    if (!stored) return;
    const listed = await listRestorePoints(this.crypto, this.blobs, stored.keys, this.session.home.config.workspace);
    this.points = listed.points;
    this.unreadable = listed.unreadable.length;
  }

  /** Deletes one restore point, then the chunks only it used. */
  async remove(id: string): Promise<void> {
    const stored = this.stored;
    if (!stored) return;
    const listed = await listRestorePoints(this.crypto, this.blobs, stored.keys, this.session.home.config.workspace);
    await pruneRestorePoints(this.blobs, listed, new Set([id]), Date.now());
    await this.refresh();
  }

  destroy(): void {
    this.destroyed = true;
    clearInterval(this.timer);
    this.session.peer.relay.off('state', this.onState);
  }
}
