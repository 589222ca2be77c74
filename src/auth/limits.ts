/** @module Token limits shared by the token service and the configuration (kept apart so config.ts imports no jose). */

/** Longest lifetime (exp - iat) accepted from any minter: room tokens are meant to be short-lived. TOKEN_TTL is bounded by it. */
export const MAX_TOKEN_LIFETIME_S = 24 * 3600
