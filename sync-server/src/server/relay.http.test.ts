/** Integration: /healthz, /metrics, static files with the single-page fallback, and the /sync endpoint's HTTP answers. */
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CapMode, FrameType } from '@tendril/crdt-schema/wire';
import { relayHarness } from '../testing/harness.ts';
import { appendAll, createDoc, follow } from '../testing/docs.ts';
import { tempDirs } from '../testing/temp-dir.ts';

const h = relayHarness();
const dirs = tempDirs();
afterEach(() => h.cleanup());
afterAll(() => dirs.cleanup());

/** A raw GET, so paths like /../x reach the server unnormalized. */
function get(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; csp: string; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), csp: String(res.headers['content-security-policy']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('relay HTTP', () => {
  it('reports health as JSON with the status only, and the counts in /metrics', async () => {
    const relay = await h.start();
    const m = await h.member(relay);
    await createDoc(m.client);
    const res = await get(relay.url, '/healthz');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    // Anyone may ask: nothing about users, workspaces, documents or connections.
    expect(JSON.parse(res.body)).toEqual({ ok: true, store: 'ok' });
    const metrics = (await get(relay.url, '/metrics')).body;
    expect(metrics).toMatch(/^tendril_relay_workspaces 1$/m);
    expect(metrics).toMatch(/^tendril_relay_docs 1$/m);
    expect(metrics).toMatch(/^tendril_relay_live_docs 1$/m);
  });

  it('with a metrics token, answers /metrics only to its bearer (401 otherwise) and leaves /healthz open', async () => {
    const relay = await h.start({ metricsToken: 'op-secret-token' });
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong' }, { authorization: 'op-secret-token' }, { authorization: 'Bearer op-secret-token-and-more' }]) {
      const refused = await get(relay.url, '/metrics', headers);
      expect(refused.status).toBe(401);
      expect(refused.body).not.toMatch(/tendril_relay_/);
    }
    const ok = await get(relay.url, '/metrics', { authorization: 'Bearer op-secret-token' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/^tendril_relay_workspaces /m);
    expect((await get(relay.url, '/healthz')).status).toBe(200);
  });

  it('exposes Prometheus metrics: connections, documents, frames and bytes by type, store latency, refusals', async () => {
    const relay = await h.start();
    const m = await h.member(relay);
    const { doc, caps } = await createDoc(m.client);
    await appendAll(m.client, m.device, doc, [1, 2]);
    const r = await h.member(relay, m.workspace);
    await follow(r.client, doc, caps, CapMode.Read);
    r.client.send({ type: FrameType.Envelope, doc, ref: 1, envelope: new Uint8Array(3) });
    await r.client.nextError('E_FORBIDDEN');
    const res = await get(relay.url, '/metrics');
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(text).toMatch(/^tendril_relay_connections 2$/m);
    expect(text).toMatch(/^tendril_relay_docs 1$/m);
    expect(text).toMatch(/^tendril_relay_entries 2$/m);
    expect(text).toMatch(/^tendril_relay_frames_in_total\{type="Envelope"\} 3$/m);
    expect(text).toMatch(/^tendril_relay_frames_out_total\{type="Ack"\} 2$/m);
    expect(text).toMatch(/^tendril_relay_frames_out_total\{type="Entry"\} 2$/m);
    expect(text).toMatch(/^tendril_relay_bytes_in_total\{type="Hello"\} \d+$/m);
    expect(text).toMatch(/^tendril_relay_rejected_frames_total\{reason="E_FORBIDDEN"\} 1$/m);
    expect(text).toMatch(/^tendril_relay_store_seconds_count\{op="append"\} 2$/m);
    expect(text).toMatch(/^tendril_relay_store_seconds_bucket\{op="append",le="\+Inf"\} 2$/m);
    expect(text).toMatch(/^# TYPE tendril_relay_store_seconds histogram$/m);
  });

  it('serves static files with their content types, falls back to index.html for app routes, and never leaves the directory', async () => {
    const root = dirs.make('static');
    const outside = dirs.make('secret');
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(root, 'assets', 'app.js'), 'export {}');
    writeFileSync(join(root, 'assets', 'app.css'), 'body{}');
    writeFileSync(join(root, 'manifest.webmanifest'), '{}');
    symlinkSync(join(outside, 'secret.txt'), join(root, 'link.txt'));
    const relay = await h.start({ staticDir: root });
    expect(await get(relay.url, '/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html><title>app</title>' });
    expect(await get(relay.url, '/assets/app.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect(await get(relay.url, '/assets/app.css')).toMatchObject({ status: 200, type: 'text/css; charset=utf-8' });
    expect(await get(relay.url, '/manifest.webmanifest')).toMatchObject({ type: 'application/manifest+json; charset=utf-8' });
    expect(await get(relay.url, '/chats/abc')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect((await get(relay.url, '/missing.js')).status).toBe(404);
    for (const path of ['/../secret/secret.txt', '/%2e%2e/secret/secret.txt', '/assets/..%2f..%2fsecret.txt', '/link.txt', '/%00']) {
      const res = await get(relay.url, path);
      expect(res.body, path).not.toContain('secret');
    }
  });

  it('sends the Content-Security-Policy with every app file: inline scripts only by the hash of the ones in that page', async () => {
    const root = dirs.make('static');
    const boot = 'import("./app.js")';
    writeFileSync(join(root, 'index.html'), `<!doctype html><script type="module" src="/app.js"></script><script>${boot}</script>`);
    writeFileSync(join(root, 'app.js'), 'export {}');
    const relay = await h.start({ staticDir: root });
    const bootHash = `'sha256-${createHash('sha256').update(boot).digest('base64')}'`;
    for (const path of ['/', '/index.html', '/chats/abc']) {
      const { csp } = await get(relay.url, path);
      const directives = new Map(csp.split(/;\s*/).map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
      expect(directives.get('script-src'), path).toEqual(["'self'", "'wasm-unsafe-eval'", bootHash]);
      expect(directives.get('default-src')).toEqual(["'self'"]);
      expect(directives.get('object-src')).toEqual(["'none'"]);
      expect(directives.get('base-uri')).toEqual(["'none'"]);
      expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
      expect(directives.get('connect-src')?.[0]).toBe("'self'");
      // The relay itself, loopback and .local servers, and the one provider a page may call directly (Anthropic).
      expect(directives.get('connect-src')?.every((s) => s === "'self'" || s === 'https://api.anthropic.com' || /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0|\*\.local):\*$/.test(s))).toBe(true);
    }
    expect((await get(relay.url, '/app.js')).csp).toMatch(/^default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; /);
  });

  it('lets only the guest page be framed (the owner embeds it), never the app', async () => {
    const root = dirs.make('static');
    writeFileSync(join(root, 'index.html'), 'app');
    mkdirSync(join(root, 'guest'));
    writeFileSync(join(root, 'guest', 'index.html'), 'guest page');
    const relay = await h.start({ staticDir: root });
    const ancestors = async (path: string) => new Map((await get(relay.url, path)).csp.split(/;\s*/).map((d) => [d.split(' ')[0], d.split(' ').slice(1)])).get('frame-ancestors');
    expect(await ancestors('/guest/')).toEqual(['*']);
    expect(await ancestors('/')).toEqual(["'none'"]);
    expect(await ancestors('/guestbook')).toEqual(["'none'"]);
  });

  it('tries mounted routes after its own paths and before static files', async () => {
    const root = dirs.make('static');
    writeFileSync(join(root, 'index.html'), 'app');
    const relay = await h.start({
      staticDir: root,
      routes: [
        (req, res) => {
          if (!req.url?.startsWith('/v1/')) return false;
          res.end('mounted');
          return true;
        },
      ],
    });
    expect((await get(relay.url, '/v1/anything')).body).toBe('mounted');
    expect((await get(relay.url, '/elsewhere')).body).toBe('app');
    expect(JSON.parse((await get(relay.url, '/healthz')).body)).toMatchObject({ ok: true });
  });

  it('answers plain HTTP to /sync with 426 and refuses upgrades elsewhere', async () => {
    const relay = await h.start();
    expect((await get(relay.url, '/sync')).status).toBe(426);
    expect((await get(relay.url, '/nothing')).status).toBe(404);
    await expect(h.connect({ ...relay, url: `${relay.url}/other` })).rejects.toThrow(/404/);
  });
});
