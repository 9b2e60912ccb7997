import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { settingsDoc } from './settings.ts';

const PASSWORD = 'imap-pass-0123456789';

describe('settings accounts', () => {
  it('never shows a password except through credentials()', () => {
    const s = settingsDoc(new Y.Doc());
    s.accounts.set({ name: 'work', kind: 'imap', url: 'imaps://mail.example.com:993', user: 'me@example.com', password: PASSWORD, mailbox: 'INBOX' });
    expect(s.accounts.credentials('work')?.password).toBe(PASSWORD);
    const shown = [JSON.stringify(s), String(s), inspect(s, { depth: 6 }), JSON.stringify(s.accounts.list()), JSON.stringify(s.accounts.get('work'))];
    for (const text of shown) expect(text).not.toContain(PASSWORD);
    expect(s.accounts.get('work')).toEqual({ name: 'work', kind: 'imap', url: 'imaps://mail.example.com:993', user: 'me@example.com', mailbox: 'INBOX', hasPassword: true });
  });

  it('keeps the password on an update that does not name it, and clears it with null', () => {
    const s = settingsDoc(new Y.Doc());
    s.accounts.set({ name: 'cal', kind: 'caldav', url: 'https://dav.example.com/me/cal/', user: 'me', password: PASSWORD });
    s.accounts.set({ name: 'cal', kind: 'caldav', url: 'https://dav.example.com/me/other/', user: 'me' });
    expect(s.accounts.credentials('cal')).toMatchObject({ url: 'https://dav.example.com/me/other/', password: PASSWORD });
    s.accounts.set({ name: 'cal', kind: 'caldav', url: 'https://dav.example.com/me/other/', password: null });
    expect(s.accounts.get('cal')?.hasPassword).toBe(false);
  });

  it('refuses bad accounts and stores nothing', () => {
    const s = settingsDoc(new Y.Doc());
    expect(() => s.accounts.set({ name: 'Work Mail', kind: 'imap', url: 'imap://h:143' })).toThrow(/account name/);
    expect(() => s.accounts.set({ name: 'w', kind: 'imap', url: 'https://h/' })).toThrow(/imap: or imaps:/);
    expect(() => s.accounts.set({ name: 'w', kind: 'ics', url: 'ftp://h/cal.ics' })).toThrow(/file:/);
    expect(() => s.accounts.set({ name: 'w', kind: 'imap', url: 'imap://me:pw@h:143' })).toThrow(/own fields/);
    expect(() => s.accounts.set({ name: 'w', kind: 'ics', url: 'file:///c.ics', mailbox: 'INBOX' })).toThrow(/mailbox/);
    expect(() => s.accounts.set({ name: 'w', kind: 'pop3' as never, url: 'pop3://h' })).toThrow(/kind/);
    expect(s.accounts.list()).toEqual([]);
  });
});
