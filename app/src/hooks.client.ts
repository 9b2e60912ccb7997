// Client hooks: an unexpected error while loading a page is reported on the console (its message only),
// and hash changes made while the router starts are recorded for the root layout to follow
// ($lib/platform/startup-hash.ts). This is the client's entry, so it owns the one startup watch.
import type { ClientInit, HandleClientError } from '@sveltejs/kit';
import { createStartupHash } from '$lib/platform/startup-hash.ts';

export const startupHash = createStartupHash();

export const init: ClientInit = () => startupHash.watch(window);

export const handleError: HandleClientError = ({ error, status }) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`page error (${status}): ${message}`);
  return { message };
};
