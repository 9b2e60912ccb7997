// SvelteKit configuration for tools run from the repository root (editors, language servers).
// The app's own configuration is app/svelte.config.js; this one points the same settings at app/.
import { appConfig } from './app/svelte.config.js';

/** @type {import('@sveltejs/kit').Config} */
export default appConfig('app/');
