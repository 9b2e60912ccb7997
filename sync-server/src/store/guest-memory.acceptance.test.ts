/** The GuestStore acceptance suite against the in-memory store. */
import { runGuestStoreTests } from './guest-acceptance.ts';
import { createMemoryGuestStore } from './guest-memory.ts';

runGuestStoreTests('memory', () => createMemoryGuestStore());
