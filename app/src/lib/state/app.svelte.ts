/**
 * The app's lifecycle: boot (find what this browser holds), then create,
 * join, restore or unlock a workspace, and lock or reset it. Exactly one
 * LiveWorkspace exists while the workspace is open. Created once by the root
 * layout and handed down through Svelte context.
 */
import { probeHome, wipeBrowserHome, type BrowserHome } from '@tendril/crdt-schema/browser';
import { loadCrypto, type CryptoProvider } from '@tendril/crdt-schema/crypto';
import { isTendrilError } from '@tendril/crdt-schema/errors';
import { acquireDeviceLock } from '../platform/tab-lock.ts';
import { browserPlatform, pageRelay, requestPersistentStorage } from '../platform/browser.ts';
import { readBackup, restoreBackup, type Progress } from '../session/backup.ts';
import { createWorkspace, joinWorkspace, resumeWorkspace } from '../session/open.ts';
import { findBackups, restoreFromRelay, type RecoveryKit } from '../session/relay-backup.ts';
import type { BackupReader, RestorePoint } from '@tendril/crdt-schema/backup';
import { LiveWorkspace } from './live.svelte.ts';

export const Phase = {
  /** Loading libsodium and reading IndexedDB. */
  Booting: 'booting',
  /** Another tab of this browser has the workspace open. */
  OtherTab: 'other-tab',
  /** Nothing stored: create, join or restore. */
  Welcome: 'welcome',
  /** Stored under the passphrase lock. */
  Locked: 'locked',
  /** The workspace is open. */
  Ready: 'ready',
  /** Something this browser cannot do (no IndexedDB, broken storage). */
  Failed: 'failed',
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

/** A sentence for an error, with its code when it has one. */
export function describeError(e: unknown): string {
  if (isTendrilError(e)) return `${e.message} (${e.code})`;
  return e instanceof Error ? e.message : String(e);
}

export class AppController {
  phase = $state<Phase>(Phase.Booting);
  failure = $state<string | null>(null);
  live = $state.raw<LiveWorkspace | null>(null);
  persisted = $state<boolean | null>(null);
  /** Whether the passphrase lock is on for this device. */
  lockOn = $state(false);
  /** Set right after creating a workspace: the shell then offers to set up the recovery phrase. */
  offerRecovery = $state(false);
  /** Set right after joining with a link that needed no confirmation, so both devices can compare the code. */
  pairingCode = $state<string | null>(null);
  private crypto: CryptoProvider | null = null;
  private readonly platform = browserPlatform();

  async boot(): Promise<void> {
    try {
      if (!globalThis.indexedDB || !globalThis.crypto?.subtle) throw new Error('this browser lacks IndexedDB or WebCrypto, which Tendril needs to keep your data on this device');
      const crypto = await loadCrypto();
      this.crypto = crypto;
      await acquireDeviceLock(() => (this.phase = Phase.OtherTab));
      const presence = await probeHome(this.platform);
      if (presence === 'none') this.phase = Phase.Welcome;
      else if (presence === 'locked') this.phase = Phase.Locked;
      else await this.open(await resumeWorkspace(crypto, this.platform));
    } catch (e) {
      this.failure = describeError(e);
      this.phase = Phase.Failed;
    }
  }

  private requireCrypto(): CryptoProvider {
    if (!this.crypto) throw new Error('the app has not finished loading');
    return this.crypto;
  }

  private async open(session: LiveWorkspace['session']): Promise<void> {
    this.live = new LiveWorkspace(this.requireCrypto(), session);
    this.lockOn = (session.home as BrowserHome).locked;
    this.phase = Phase.Ready;
    void requestPersistentStorage().then((ok) => (this.persisted = ok));
  }

  async create(deviceName: string, workspaceName: string): Promise<void> {
    await this.open(await createWorkspace(this.requireCrypto(), this.platform, { relay: pageRelay(), deviceName, workspaceName }));
    this.offerRecovery = true;
  }

  /** Joins with an invite link; `onPairingCode` shows the code while the inviting device confirms it. */
  async join(link: string, deviceName: string, onStep: (s: string) => void, onPairingCode?: (code: string) => void): Promise<string> {
    const joined = await joinWorkspace(this.requireCrypto(), this.platform, { link, deviceName, onStep, ...(onPairingCode ? { onPairingCode } : {}) });
    if (!joined.confirmed) this.pairingCode = joined.pairingCode;
    await this.open(joined.session);
    return joined.pairingCode;
  }

  async restore(file: Uint8Array, passphrase: string, deviceName: string, onProgress: (p: Progress) => void): Promise<void> {
    const crypto = this.requireCrypto();
    const contents = await readBackup(crypto, file, passphrase, onProgress);
    await this.open(await restoreBackup(crypto, this.platform, contents, { deviceName, onProgress }));
  }

  /** The restore points a recovery kit reaches; `E_PASSPHRASE` for a wrong phrase. */
  findBackups(kit: RecoveryKit): Promise<BackupReader> {
    return findBackups(this.requireCrypto(), kit);
  }

  /** Restores a restore point found with {@link findBackups} into this empty browser. */
  async restoreFromRelay(reader: BackupReader, point: RestorePoint, deviceName: string, onProgress: (p: Progress) => void, asCopy?: { workspaceName: string }): Promise<void> {
    await this.open(await restoreFromRelay(this.requireCrypto(), this.platform, reader, point, { deviceName, onProgress, ...(asCopy ? { asCopy } : {}) }));
    // A copy is a new workspace: its own recovery phrase is offered at once.
    if (asCopy) this.offerRecovery = true;
  }

  /** `E_PASSPHRASE` when wrong. */
  async unlock(passphrase: string): Promise<void> {
    await this.open(await resumeWorkspace(this.requireCrypto(), this.platform, passphrase));
  }

  get home(): BrowserHome | null {
    return (this.live?.session.home as BrowserHome | undefined) ?? null;
  }

  /** Turns the passphrase lock on or off (null). */
  async setLock(passphrase: string | null): Promise<void> {
    await this.home?.setLock(passphrase);
    this.lockOn = this.home?.locked ?? false;
  }

  /** Closes the workspace and forgets the keys in memory; the passphrase opens it again. */
  async lockNow(): Promise<void> {
    if (!this.lockOn) return;
    const live = this.live;
    this.live = null;
    this.phase = Phase.Locked;
    await live?.close();
  }

  /** Deletes everything this browser holds for the workspace, then starts over. */
  async reset(): Promise<void> {
    const live = this.live;
    this.live = null;
    await live?.close().catch(() => {});
    await wipeBrowserHome(this.platform);
    this.phase = Phase.Welcome;
  }
}
