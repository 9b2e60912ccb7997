import { describe, expect, it } from 'vitest';
import { isDangerous, parsePermissionRequest } from './plugin-manifest.ts';

describe('dangerous permissions', () => {
  it('marks declared ones, browser history, and folders that are a whole home or the disk', () => {
    expect(isDangerous('network', 'example.com', true)).toBe(true);
    expect(isDangerous('read_browser_history', '/home/me/.config/chromium/Default')).toBe(true);
    for (const whole of ['/', '~', '~/', '/home/me', '/home/me/', '/Users/me', '/root']) expect(isDangerous('read-folder', whole)).toBe(true);
    for (const part of ['/home/me/notes', '/srv/data', '*']) expect(isDangerous('read-folder', part)).toBe(false);
    expect(isDangerous('network', '/')).toBe(false);
  });

  it('keeps dangerous and optional marks, and refuses other values for them', () => {
    expect(parsePermissionRequest({ kind: 'network', resource: 'x', reason: 'r', optional: true, dangerous: false })).toEqual({ kind: 'network', resource: 'x', reason: 'r', optional: true });
    expect(() => parsePermissionRequest({ kind: 'network', resource: 'x', reason: 'r', optional: 'yes' })).toThrow(/optional must be true or false/);
    expect(() => parsePermissionRequest({ kind: 'network', resource: 'x', reason: 'r', dangerous: 1 })).toThrow(/dangerous must be true or false/);
  });
});
