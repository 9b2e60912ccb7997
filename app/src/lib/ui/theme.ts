/**
 * Applies the theme setting to the document: light, dark, or the system's
 * preference, followed live. Returns the cleanup (for a Svelte $effect).
 */
import type { Theme } from '@tendril/crdt-schema/schema';

export function applyTheme(theme: Theme): () => void {
  const media = matchMedia('(prefers-color-scheme: dark)');
  const set = (dark: boolean) => (document.documentElement.dataset.theme = dark ? 'dark' : 'light');
  if (theme !== 'system') {
    set(theme === 'dark');
    return () => {};
  }
  const follow = () => set(media.matches);
  media.addEventListener('change', follow);
  follow();
  return () => media.removeEventListener('change', follow);
}
