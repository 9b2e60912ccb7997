import { describe, expect, it } from 'vitest';
import { createMarkdown, createMarkdownHtml } from './render.ts';

// The Markdown layer alone; the sanitizer after it runs in a browser (e2e/src/markdown-sanitize.test.ts).
const md = createMarkdownHtml();

describe('markdown rendering', () => {
  it('escapes raw HTML instead of injecting it', () => {
    const html = md.render('hi <img src=x onerror="alert(1)"> <script>alert(2)</script>\n\n<div onclick="x()">block</div>');
    expect(html).not.toMatch(/<img|<script|<div onclick/);
    expect(html).toContain('&lt;script&gt;');
  });

  it('drops javascript: links and turns images into plain links', () => {
    expect(md.render('[x](javascript:alert(1))')).not.toContain('href');
    const img = md.render('![cat](https://example.com/cat.png)');
    expect(img).not.toContain('<img');
    expect(img).toContain('href="https://example.com/cat.png"');
    expect(md.render('[a](https://example.com)')).toContain('rel="noopener noreferrer nofollow"');
  });

  it('highlights fenced code and escapes it', () => {
    const html = md.render('```ts\nconst a: string = "<b>";\n```');
    expect(html).toContain('hljs-keyword');
    expect(html).toContain('&lt;b&gt;');
    expect(html).not.toContain('<b>');
  });

  it('shows the text escaped, without markup, where DOMPurify has no DOM to sanitize with', () => {
    expect(createMarkdown().render('**bold** <img src=x onerror="alert(1)">')).toBe('<p>**bold** &lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>');
  });
});
