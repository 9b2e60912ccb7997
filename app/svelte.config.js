// SvelteKit configuration of the app, relative to app/ (where `npm run build -w @tendril/app` runs).
// A static single-page app with hash routing (`/#/chats/...`, `/#/join/...`): the relay serves
// index.html and the assets, and nothing after `#` (chat ids, invite secrets) ever reaches it.
import adapter from '@sveltejs/adapter-static';

/** @param {string} base the app folder relative to the working directory ('' inside app/) */
export function appConfig(base = '') {
  return {
    kit: {
      adapter: adapter({ pages: `${base}build`, assets: `${base}build`, strict: false }),
      router: { type: 'hash' },
      serviceWorker: { register: false },
      files: {
        src: `${base}src`,
        assets: `${base}static`,
        lib: `${base}src/lib`,
        routes: `${base}src/routes`,
        appTemplate: `${base}src/app.html`,
        serviceWorker: `${base}src/service-worker`,
      },
      outDir: `${base}.svelte-kit`,
    },
  };
}

/** @type {import('@sveltejs/kit').Config} */
export default appConfig();
