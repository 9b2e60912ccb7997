import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlTitle, htmlToText } from './html-text.ts';

describe('html to text', () => {
  it('keeps the readable text, drops scripts, styles and markup', () => {
    const html = `<!doctype html><html><head><title>The &amp; Page</title><style>p{color:red}</style></head>
      <body><nav>Home | About</nav><script>alert("x<p>")</script>
      <h1>Heading</h1><p>First <b>bold</b> paragraph.</p><!-- hidden -->
      <ul><li>one</li><li>two &lt;3</li></ul><p>Caf&eacute; &#233; &#x263A; &nbsp;end</p></body></html>`;
    expect(htmlToText(html)).toBe('Home | About\n\nHeading\n\nFirst bold paragraph.\n\none\n\ntwo <3\n\nCaf&eacute; é ☺ end');
    expect(htmlTitle(html)).toBe('The & Page');
  });

  it('decodes numeric and common named entities, leaves unknown ones', () => {
    expect(decodeEntities('&lt;a&gt; &quot;q&quot; &#39;s&#39; &mdash; &bogus; &#0;')).toBe('<a> "q" \'s\' — &bogus; &#0;');
  });

  it('has no title when the page has none', () => {
    expect(htmlTitle('<p>x</p>')).toBeUndefined();
  });
});
