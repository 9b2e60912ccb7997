// SvelteKit configuration shared by the app and editor tooling. The app lives in app/;
// it is built as a static SPA (adapter-static with an index.html fallback) that the relay serves.
import adapter from '@sveltejs/adapter-static';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  kit: {
    adapter: adapter({ pages: 'app/build', assets: 'app/build', fallback: 'index.html', strict: false }),
    files: {
      src: 'app/src',
      assets: 'app/static',
      lib: 'app/src/lib',
      routes: 'app/src/routes',
      appTemplate: 'app/src/app.html',
    },
    outDir: 'app/.svelte-kit',
  },
};

export default config;
