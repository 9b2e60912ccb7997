// Client hooks: an unexpected error while loading a page is reported on the console (its message only).
import type { HandleClientError } from '@sveltejs/kit';

export const handleError: HandleClientError = ({ error, status }) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`page error (${status}): ${message}`);
  return { message };
};
