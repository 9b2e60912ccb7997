import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import type { DeviceId } from '../ids.ts';
import { PREFS, SETTINGS } from './keys.ts';
import { settingsDoc } from './settings.ts';
import { DEFAULT_BACKUP_POLICY } from './settings-backup.ts';

describe('settings: automatic backups', () => {
  it('reads defaults, keeps a valid policy, refuses out-of-range counts and ignores a malformed stored value', () => {
    const doc = new Y.Doc();
    const s = settingsDoc(doc);
    expect(s.backupPolicy()).toEqual(DEFAULT_BACKUP_POLICY);
    expect(s.setBackupPolicy({ daily: 3 })).toEqual({ ...DEFAULT_BACKUP_POLICY, daily: 3 });
    expect(() => s.setBackupPolicy({ weekly: -1 })).toThrow(/weekly/);
    expect(() => s.setBackupPolicy({ daily: 1.5 })).toThrow(/daily/);
    expect(s.backupPolicy().daily).toBe(3);
    doc.getMap(SETTINGS.prefs).set(PREFS.backupPolicy, { auto: 'yes', daily: 1e9, weekly: 2 });
    expect(s.backupPolicy()).toEqual({ ...DEFAULT_BACKUP_POLICY, weekly: 2 });
  });

  it('stores and clears the lease; concurrent takes merge to one holder on both sides', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    a.clientID = 1;
    b.clientID = 2;
    settingsDoc(a).setBackupLease({ device: 'A' as DeviceId, until: 10 });
    settingsDoc(b).setBackupLease({ device: 'B' as DeviceId, until: 10 });
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    const holder = settingsDoc(a).backupLease();
    expect(holder).not.toBeNull();
    expect(settingsDoc(b).backupLease()).toEqual(holder);
    settingsDoc(a).setBackupLease(null);
    expect(settingsDoc(a).backupLease()).toBeNull();
  });
});
