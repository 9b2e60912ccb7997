/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/**
 * The service worker: caches the app shell (every built asset, the static
 * files and index.html) at install, so the app loads and works offline after
 * the first visit. Navigations go to the network first and fall back to the
 * cached shell; hashed assets are served from the cache. Sync traffic
 * (/sync), health and metrics are never touched. Only the app's own code is
 * cached here: workspace data lives in IndexedDB, encrypted.
 */
import { build, files, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `tendril-shell-${version}`;
const SHELL = '/';
const ASSETS = new Set([...build, ...files, SHELL]);
const NAVIGATION_TIMEOUT_MS = 4000;

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll([...ASSETS]);
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE && key.startsWith('tendril-shell-')) await caches.delete(key);
      await sw.clients.claim();
    })(),
  );
});

async function fromNetwork(request: Request, timeoutMs: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await fetch(request, { signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

async function navigate(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const response = await fromNetwork(request, NAVIGATION_TIMEOUT_MS);
    if (response.ok && response.headers.get('content-type')?.includes('text/html')) await cache.put(SHELL, response.clone());
    return response;
  } catch {
    return (await cache.match(SHELL)) ?? Response.error();
  }
}

async function asset(request: Request, path: string): Promise<Response> {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(path);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && ASSETS.has(path)) await cache.put(path, response.clone());
  return response;
}

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin) return;
  if (url.pathname === '/sync' || url.pathname === '/healthz' || url.pathname === '/metrics') return;
  if (request.mode === 'navigate') event.respondWith(navigate(request));
  else if (ASSETS.has(url.pathname)) event.respondWith(asset(request, url.pathname));
});
