/** A guest link's keys as the owner's devices hold them (crdt-schema/guest owner-links.ts). */
export { ownerLinkKeys } from '@tendril/crdt-schema/guest';
