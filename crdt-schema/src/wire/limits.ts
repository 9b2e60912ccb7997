/**
 * Sizes and bounds of the wire format. Every bound here is enforced by both
 * the encoder (so a peer never sends what the other side refuses) and the
 * decoder (so hostile input cannot make it allocate or loop without limit).
 */

/** Largest envelope payload a frame is sized for: 1 MiB. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Default bound on a whole frame: one 1 MiB payload plus 1 KiB for the other fields. */
export const DEFAULT_MAX_FRAME_BYTES = MAX_PAYLOAD_BYTES + 1024;

/** Challenge nonce length. */
export const NONCE_BYTES = 32;
/** Ed25519 public key length (device keys, capability keys, admin keys). */
export const PUBLIC_KEY_BYTES = 32;
/** Ed25519 signature length (proofs and revocation signatures). */
export const SIGNATURE_BYTES = 64;

/** Most admin keys a workspace registration may carry. */
export const MAX_ADMINS = 64;
/** Longest invite token an Enrol may carry. */
export const MAX_TOKEN_BYTES = 8192;
/** Most device keys a SetCaps may let keep reading with the replaced keys. */
export const MAX_CAPS_READERS = 1024;
/** Longest short text field in UTF-8 bytes: Hello.client, Hello.accessCode, blob keys. */
export const MAX_LABEL_BYTES = 256;
/** Longest ErrorFrame.message in UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 2048;
/** Longest Welcome.address in UTF-8 bytes (an IPv6 address with a zone fits). */
export const MAX_ADDRESS_BYTES = 64;
/** Longest id text read before it is parsed (ids are 22 or 43 ASCII characters). */
export const MAX_ID_BYTES = 64;

/** ErrorFrame.code: a known code or any short code of the same shape. */
export const ERROR_CODE_PATTERN = /^E_[A-Z_]{1,62}$/;

/** Longest guest key box (a 64-byte secret sealed with crypto_box_seal takes 112). */
export const MAX_GUEST_KEY_BOX_BYTES = 256;
/** Most visitors one guest link may have, and so one GuestState may list. */
export const MAX_GUEST_VISITORS = 4096;
/** Length of an access-code verifier (SHA-256). */
export const GUEST_CODE_VERIFIER_BYTES = 32;

/** Length of a stored blob's id (SHA-256 of its bytes). */
export const BLOB_ID_BYTES = 32;
/** Most ids one BlobHas may ask about (and so one BlobHave answers). */
export const MAX_BLOB_HAS_IDS = 1024;
/** Most items one BlobListing may carry. */
export const MAX_BLOB_LIST_ITEMS = 1024;

/** Most workspaces one Located answer names (a phrase's locator is enrolled in one). */
export const MAX_LOCATED_WORKSPACES = 16;
