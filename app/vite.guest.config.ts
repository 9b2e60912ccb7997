// Vite build of the guest page (guest/index.html), separate from the SvelteKit app: a visitor's
// browser loads this bundle only, with none of the owner's workspace code. Served at /guest/.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  root: new URL('./guest/', import.meta.url).pathname,
  base: './',
  plugins: [svelte()],
  build: { target: 'es2022', outDir: new URL('./build/guest/', import.meta.url).pathname, emptyOutDir: true, chunkSizeWarningLimit: 2500 },
});
