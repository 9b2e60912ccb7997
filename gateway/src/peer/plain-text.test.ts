import { describe, expect, it } from 'vitest';
import { plainText } from './plain-text.ts';

describe('terminal output as plain text', () => {
  it('drops escape sequences and turns CR LF into LF', () => {
    expect(plainText('\x1b[1;32mok\x1b[0m\r\n\x1b]0;title\x07next\r\n')).toBe('ok\nnext\n');
  });
  it('keeps what a carriage return wrote last, applies backspaces, keeps words whole', () => {
    expect(plainText('progress 10%\rprogress 100%\r\nab\x08c word boundary\n')).toBe('progress 100%\nac word boundary\n');
  });
  it('drops other control characters but keeps tabs', () => {
    expect(plainText('a\tb\x07\x00c')).toBe('a\tbc');
  });
});
