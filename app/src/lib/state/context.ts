/** The app controller and the open workspace, handed to components through Svelte context. */
import { getContext, setContext } from 'svelte';
import type { AppController } from './app.svelte.ts';
import type { LiveWorkspace } from './live.svelte.ts';

const KEY = Symbol('tendril-app');

export function provideApp(app: AppController): void {
  setContext(KEY, app);
}

export function useApp(): AppController {
  const app = getContext<AppController | undefined>(KEY);
  if (!app) throw new Error('useApp() outside the app layout');
  return app;
}

/** The open workspace; only call in components rendered while the app is ready. */
export function useLive(): LiveWorkspace {
  const live = useApp().live;
  if (!live) throw new Error('the workspace is not open');
  return live;
}
