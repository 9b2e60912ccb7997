/**
 * Markdown to HTML for chat messages. Raw HTML in a message is shown as text
 * (escaped), never injected; links keep only http(s) and mailto targets and
 * open in a new tab without a referrer; images are shown as links, so reading
 * a message never fetches anything from a third party. Fenced code is
 * highlighted by highlight.js (its output escapes the code).
 */
import hljs from 'highlight.js/lib/common';
import { Marked, type Tokens } from 'marked';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function safeHref(href: string): string | null {
  try {
    const url = new URL(href, 'https://invalid.example/');
    if (url.origin === 'https://invalid.example') return null;
    return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:' ? url.href : null;
  } catch {
    return null;
  }
}

function highlight(code: string, lang: string | undefined): { html: string; language: string } {
  const name = (lang ?? '').trim().split(/\s+/)[0]!.toLowerCase();
  if (name && hljs.getLanguage(name)) return { html: hljs.highlight(code, { language: name, ignoreIllegals: true }).value, language: name };
  return { html: escapeHtml(code), language: name };
}

/** A renderer instance (no shared global state); `render` is pure and cached by text. */
export function createMarkdown(cacheSize = 400): { render(text: string): string } {
  const marked = new Marked({
    gfm: true,
    breaks: true,
    async: false,
    renderer: {
      html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
      code: ({ text, lang }: Tokens.Code) => {
        const { html, language } = highlight(text, lang);
        const label = language ? `<span class="code-lang">${escapeHtml(language)}</span>` : '';
        return `<div class="code-block">${label}<button type="button" class="code-copy" data-copy-code aria-label="Copy code">Copy</button><pre><code class="hljs${language ? ` language-${escapeHtml(language)}` : ''}">${html}</code></pre></div>`;
      },
      link(this: { parser: { parseInline(tokens: Tokens.Link['tokens']): string } }, { href, title, tokens }: Tokens.Link) {
        const inner = this.parser.parseInline(tokens);
        const url = safeHref(href);
        if (!url) return inner;
        const t = title ? ` title="${escapeHtml(title)}"` : '';
        return `<a href="${escapeHtml(url)}"${t} target="_blank" rel="noopener noreferrer nofollow">${inner}</a>`;
      },
      image: ({ href, text }: Tokens.Image) => {
        const url = safeHref(href);
        const label = escapeHtml(text || 'image');
        return url ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer nofollow">[${label}]</a>` : `[${label}]`;
      },
    },
  });
  const cache = new Map<string, string>();
  return {
    render(text) {
      const hit = cache.get(text);
      if (hit !== undefined) return hit;
      const html = marked.parse(text) as string;
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
      cache.set(text, html);
      return html;
    },
  };
}
