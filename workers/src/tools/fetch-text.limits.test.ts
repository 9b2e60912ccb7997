import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTendrilError } from '@tendril/crdt-schema/errors';
import { fetchText } from './fetch-text.ts';

/** A local site: pages, a redirect, a big body, a stalled body, an image. */
let server: Server;
let base = '';
let bigSent = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    switch (req.url) {
      case '/page':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end('<title>T</title><p>Hello <i>there</i></p>');
      case '/away':
        res.writeHead(302, { location: 'http://elsewhere.test/x' });
        return res.end();
      case '/hop':
        res.writeHead(301, { location: '/page' });
        return res.end();
      case '/loop':
        res.writeHead(302, { location: '/loop' });
        return res.end();
      case '/big': {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = 'x'.repeat(16_384);
        const send = (): void => {
          while (bigSent < 10_000_000 && res.write(chunk)) bigSent += chunk.length;
          if (bigSent >= 10_000_000) res.end();
        };
        res.on('drain', send);
        res.on('close', () => res.off('drain', send));
        return send();
      }
      case '/stall':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.write('partial');
      case '/image':
        res.writeHead(200, { 'content-type': 'image/png' });
        return res.end(Buffer.alloc(10));
      case '/latin1':
        res.writeHead(200, { 'content-type': 'text/plain; charset=iso-8859-1' });
        return res.end(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
      default:
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('not here');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const fetchOnly = (url: string): typeof fetch => (input, init) => (String(input).startsWith(base) ? fetch(input, init) : Promise.reject(new Error(`no network in tests: ${url}`)));

describe('fetching text within limits', () => {
  it('reduces HTML to text and reports the title', async () => {
    const asked: string[] = [];
    const r = await fetchText(`${base}/page`, { fetch, allow: (u) => void asked.push(u.href) });
    expect(r).toMatchObject({ status: 200, title: 'T', text: 'Hello there', truncated: false });
    expect(asked).toEqual([`${base}/page`]);
  });

  it('asks before following every redirect, so a redirect cannot leave the allowed hosts', async () => {
    const asked: string[] = [];
    const allow = (u: URL): void => {
      asked.push(u.host);
      if (u.hostname !== '127.0.0.1') throw new Error(`not allowed: ${u.host}`);
    };
    await expect(fetchText(`${base}/away`, { fetch: fetchOnly(base), allow })).rejects.toThrow('not allowed: elsewhere.test');
    expect(asked).toEqual([new URL(base).host, 'elsewhere.test']);
    expect((await fetchText(`${base}/hop`, { fetch, allow: () => {} })).url).toBe(`${base}/page`);
    await expect(fetchText(`${base}/loop`, { fetch, allow: () => {}, limits: { maxRedirects: 3 } })).rejects.toThrow(/more than 3 redirects/);
  });

  it('reads at most maxBytes of a body and stops the download', async () => {
    const r = await fetchText(`${base}/big`, { fetch, allow: () => {}, limits: { maxBytes: 100_000, maxChars: 1_000_000 } });
    expect(r.bytes).toBe(100_000);
    expect(r.text).toHaveLength(100_000);
    expect(r.truncated).toBe(true);
    expect(bigSent).toBeLessThan(10_000_000);
  });

  it('cuts the text at maxChars', async () => {
    const r = await fetchText(`${base}/big`, { fetch, allow: () => {}, limits: { maxBytes: 50_000, maxChars: 10 } });
    expect(r.text).toBe('x'.repeat(10));
    expect(r.truncated).toBe(true);
  });

  it('gives up at the deadline on the injected timers', async () => {
    let fire: () => void = () => {};
    const timers = { setTimeout: (fn: () => void) => ((fire = fn), 1), clearTimeout: () => {} };
    const pending = fetchText(`${base}/stall`, { fetch, allow: () => {}, timers, limits: { timeoutMs: 1234 } });
    const caught = pending.catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    fire();
    const e = await caught;
    expect(isTendrilError(e, 'E_TIMEOUT')).toBe(true);
    expect((e as Error).message).toMatch(/1234 ms/);
  });

  it('refuses non-text content, other schemes and credentials; decodes the declared charset', async () => {
    await expect(fetchText(`${base}/image`, { fetch, allow: () => {} })).rejects.toThrow(/image\/png, not text/);
    await expect(fetchText('file:///etc/passwd', { fetch, allow: () => {} })).rejects.toThrow(/only http and https/);
    await expect(fetchText('http://u:p@example.com/', { fetch, allow: () => {} })).rejects.toThrow(/credentials/);
    expect((await fetchText(`${base}/latin1`, { fetch, allow: () => {} })).text).toBe('café');
    expect((await fetchText(`${base}/missing`, { fetch, allow: () => {} })).status).toBe(404);
  });
});
