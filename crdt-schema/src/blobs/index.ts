/** Stored blobs: the client over the relay connection, ids, and sealing of chat attachments. */
export * from './blob-client.ts';
export * from './blob-id.ts';
export * from './attachment-seal.ts';
