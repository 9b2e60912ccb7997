/**
 * What the app takes from the browser, in one place: IndexedDB and WebCrypto
 * for the device home, the WebSocket constructor for the relay connection,
 * the relay's address (the page's own origin: the relay serves the app), and
 * persistent storage so the browser does not evict the device's data.
 */
import type { BrowserPlatform } from '@tendril/crdt-schema/browser';
import type { WebSocketConstructor } from '@tendril/crdt-schema/sync';
import { workerPwhash } from './pwhash.ts';

export const CLIENT_NAME = 'tendril-app/0.1';

export function browserPlatform(): BrowserPlatform {
  const pwhash = workerPwhash();
  return { indexedDB: globalThis.indexedDB, subtle: globalThis.crypto.subtle, ...(pwhash ? { passphrase: { pwhash } } : {}) };
}

export const BrowserWebSocket = globalThis.WebSocket as unknown as WebSocketConstructor;

/** The relay this page was served by, as an http(s) base URL. */
export function pageRelay(): string {
  return location.origin;
}

/** Asks the browser to keep this origin's storage under pressure; resolves whether it agreed. */
export async function requestPersistentStorage(): Promise<boolean> {
  try {
    if (await navigator.storage?.persisted?.()) return true;
    return (await navigator.storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}

/** A default device name from the browser and platform, e.g. "Chrome on Linux". */
export function defaultDeviceName(): string {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Linux/.test(ua) ? 'Linux' : 'this device';
  return `${browser} on ${os}`;
}
