/**
 * Markdown to HTML for chat messages. Raw HTML in a message is shown as text
 * (escaped), never injected; links keep only http(s) and mailto targets and
 * open in a new tab without a referrer; images are shown as links, so reading
 * a message never fetches anything from a third party. Fenced code is
 * highlighted by highlight.js (its output escapes the code).
 *
 * The renderer's HTML then goes through DOMPurify before it reaches the page:
 * a second, independent guard, so a flaw in the renderer, a highlighter or a
 * future extension cannot turn model output into script. Where DOMPurify has
 * no DOM to work with it is not trusted to pass anything: the text is shown
 * escaped, without markup.
 */
import DOMPurify, { type DOMPurify as Purifier } from 'dompurify';
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

/** Turns Markdown into HTML. */
export interface MarkdownRenderer {
  render(text: string): string;
}

/** The Markdown layer alone (no sanitizer): escapes raw HTML, filters link targets, highlights code. */
export function createMarkdownHtml(): MarkdownRenderer {
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
  return { render: (text) => marked.parse(text) as string };
}

/** What the sanitizer keeps: no style attributes, no forms or frames; links may open in a new tab. */
const PURIFY_CONFIG = {
  FORBID_TAGS: ['style', 'form', 'input', 'textarea', 'select', 'iframe', 'object', 'embed', 'svg', 'math'],
  FORBID_ATTR: ['style'],
  ADD_ATTR: ['target'],
  ALLOW_UNKNOWN_PROTOCOLS: false,
};

export interface MarkdownOptions {
  /** The Markdown layer; the default is createMarkdownHtml(). */
  html?: MarkdownRenderer;
  /** A DOMPurify instance; the default is the one bound to the page's window. */
  purify?: Purifier;
  cacheSize?: number;
}

/** A sanitizing renderer instance (no shared global state); `render` is pure and cached by text. */
export function createMarkdown(options: MarkdownOptions = {}): MarkdownRenderer {
  const html = options.html ?? createMarkdownHtml();
  const purify = options.purify ?? DOMPurify;
  const cacheSize = options.cacheSize ?? 400;
  const cache = new Map<string, string>();
  return {
    render(text) {
      const hit = cache.get(text);
      if (hit !== undefined) return hit;
      const out = purify.isSupported ? purify.sanitize(html.render(text), PURIFY_CONFIG) : `<p>${escapeHtml(text)}</p>`;
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
      cache.set(text, out);
      return out;
    },
  };
}
