/**
 * The chat Markdown renderer with its real sanitizer (DOMPurify) in real
 * Chromium: XSS payloads in a message render inert, and the sanitizer stops
 * markup that the Markdown layer let through by mistake (defense in depth).
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './harness/build-app.ts';
import { bundleForBrowser } from './harness/bundle-module.ts';
import { launchChromium } from './harness/chromium.ts';

const PAYLOADS = [
  'hi <img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=2</script>',
  '[click](javascript:window.__pwned=3)',
  '<a href="javascript:window.__pwned=4">x</a>',
  '<div onclick="window.__pwned=5">block</div>\n\n<iframe src="javascript:parent.__pwned=6"></iframe>',
  '<svg><animate onbegin="window.__pwned=7" attributeName="x" dur="1s"/></svg>',
  '```html\n<img src=x onerror="window.__pwned=8">\n```',
  '![x](javascript:window.__pwned=9)',
];

/** Renders `text` in the page, inserts it into the document as the chat view does, and returns the HTML. */
async function renderInPage(page: Page, text: string, brokenMarkdownLayer = false): Promise<string> {
  return page.evaluate(
    ({ text, broken }) => {
      const m = (window as unknown as { Markdown: typeof import('../../app/src/lib/markdown/render.ts') }).Markdown;
      const html = broken ? { render: (t: string) => t } : undefined;
      const out = m.createMarkdown(html ? { html } : {}).render(text);
      const host = document.createElement('div');
      host.innerHTML = out;
      document.body.append(host);
      return out;
    },
    { text, broken: brokenMarkdownLayer },
  );
}

/** Every element, attribute and URL in the page's body that could run script. */
function liveScript(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'SVG', 'STYLE'].includes(el.tagName.toUpperCase())) found.push(el.tagName);
      for (const a of el.attributes) {
        if (a.name.startsWith('on') || a.name === 'style') found.push(`${el.tagName}[${a.name}]`);
        if (/^\s*(javascript|data|vbscript):/i.test(a.value)) found.push(`${el.tagName}[${a.name}=${a.value}]`);
      }
    }
    return found;
  });
}

describe('markdown sanitizing in a browser', { timeout: 120_000 }, () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const script = await bundleForBrowser(join(ROOT, 'app/src/lib/markdown/render.ts'), 'Markdown');
    browser = await launchChromium();
    page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ content: script });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('renders XSS payloads in a message inert: no script elements, handlers, javascript: URLs or frames', async () => {
    for (const text of PAYLOADS) await renderInPage(page, text);
    expect(await liveScript(page)).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    const links = await page.evaluate(() => [...document.querySelectorAll('a')].map((a) => a.getAttribute('href')));
    expect(links.every((h) => h === null || /^(https?|mailto):/.test(h))).toBe(true);
  });

  it('keeps what the Markdown layer means to show: code highlighting, the copy button, safe links opening in a new tab', async () => {
    const html = await renderInPage(page, '```ts\nconst a = 1;\n```\n\n[site](https://example.com) and **bold**');
    expect(html).toContain('hljs-keyword');
    expect(html).toContain('data-copy-code');
    expect(html).toContain('<a href="https://example.com/" target="_blank" rel="noopener noreferrer nofollow">site</a>');
    expect(html).toContain('<strong>bold</strong>');
  });

  it('strips script that the Markdown layer failed to escape (the sanitizer is a second, independent guard)', async () => {
    await page.evaluate(() => (document.body.innerHTML = ''));
    for (const text of PAYLOADS) await renderInPage(page, text, true);
    expect(await liveScript(page)).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });
});
