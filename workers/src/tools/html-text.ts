/**
 * Readable text from an HTML page, without a DOM: drops scripts, styles and
 * other non-content elements, turns block elements into line breaks, strips
 * the remaining tags, decodes entities and collapses whitespace. Good enough
 * for a model to read a page; not a renderer.
 */

const DROP = /<(script|style|noscript|template|svg|canvas|iframe|object|head|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const BLOCK = /<\/?(p|div|section|article|header|footer|main|nav|aside|h[1-6]|ul|ol|li|dl|dt|dd|table|thead|tbody|tr|td|th|pre|blockquote|figure|figcaption|form|hr|br)\b[^>]*>/gi;

const NAMED: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ndash: '–', mdash: '—', hellip: '…',
  laquo: '«', raquo: '»', copy: '©', reg: '®', trade: '™', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', middot: '·', bull: '•',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[body.toLowerCase()] ?? whole;
  });
}

/** The page title, when there is one. */
export function htmlTitle(html: string): string | undefined {
  const m = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html);
  const t = m ? decodeEntities(m[1]!.replace(/<[^>]*>/g, '')).replace(/\s+/g, ' ').trim() : '';
  return t === '' ? undefined : t;
}

export function htmlToText(html: string): string {
  const body = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(DROP, ' ')
    .replace(BLOCK, '\n')
    // Inline elements (b, a, span...) join their text as a browser shows it.
    .replace(/<[^>]*>/g, '');
  return decodeEntities(body)
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\u00a0]+/g, ' ').trim())
    .filter((line, i, all) => line !== '' || (i > 0 && all[i - 1] !== ''))
    .join('\n')
    .trim();
}
