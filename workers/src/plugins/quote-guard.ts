/**
 * Keeps message text out of tasks: the host remembers the mail it handed a
 * plugin during one run, and a task whose title or note repeats a long
 * enough run of any of it (QUOTE_CHARS characters, compared without case,
 * punctuation or spacing) is refused. A model's short title in its own words
 * passes; a title or note that copies a sentence of the message does not,
 * whatever the plugin or the model meant.
 */

/** About seven words: longer than the phrases a good title shares with its message. */
export const QUOTE_CHARS = 40;

const normalize = (text: string): string => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

export interface QuoteGuard {
  /** Remembers text handed to the plugin. */
  remember(text: string): void;
  /** The first quoted run of `text`, when it repeats remembered text. */
  quoted(text: string): string | undefined;
}

export function quoteGuard(chars = QUOTE_CHARS): QuoteGuard {
  const seen: string[] = [];
  return {
    remember(text) {
      const n = normalize(text);
      if (n.length >= chars) seen.push(n);
    },
    quoted(text) {
      const n = normalize(text);
      for (let i = 0; i + chars <= n.length; i++) {
        const run = n.slice(i, i + chars);
        if (seen.some((s) => s.includes(run))) return run;
      }
      return undefined;
    },
  };
}
