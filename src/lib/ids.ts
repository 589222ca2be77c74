/** @module Random identifiers from the web-standard crypto API (works on Node, Bun and Workers). */

export const randomId = (): string => crypto.randomUUID()
