/**
 * @module Display names (issue 9 finding 8). A name other peers will see is normalized (NFKC: full-width, ligature and
 * mathematical look-alikes become their plain letters; runs of spaces become one) and refused when it carries control,
 * format, separator or unassigned characters, stacked combining marks, or letters of scripts that are mixed the way
 * spoofed names mix them (UTS #39 "moderately restrictive": one script, or Latin with one other script that is not
 * Cyrillic or Greek, or the Han-based CJK combinations).
 */

export const MAX_NAME_LENGTH = 64
/** Combining marks in a row (Vietnamese and Thai need two, Zalgo text needs dozens). */
const MAX_MARKS_IN_A_ROW = 3

export type NameCheck = { ok: true; name: string } | { ok: false; reason: string }

/** Scripts told apart; letters of any other script count as one script of their own ("Other"). */
const SCRIPTS = [
  'Latin', 'Cyrillic', 'Greek', 'Armenian', 'Georgian', 'Hebrew', 'Arabic', 'Syriac', 'Thaana', 'Devanagari', 'Bengali',
  'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala', 'Thai', 'Lao', 'Tibetan',
  'Myanmar', 'Khmer', 'Ethiopic', 'Cherokee', 'Mongolian', 'Hangul', 'Hiragana', 'Katakana', 'Bopomofo', 'Han',
] as const
const SCRIPT_PATTERNS = SCRIPTS.map((s) => [s, new RegExp(`^\\p{Script=${s}}$`, 'u')] as const)

/** Combinations a real name may use (UTS #39 §5.2). */
const CJK_SETS = [new Set(['Latin', 'Han', 'Hiragana', 'Katakana']), new Set(['Latin', 'Han', 'Bopomofo']), new Set(['Latin', 'Han', 'Hangul'])]
const NEVER_WITH_LATIN = new Set(['Cyrillic', 'Greek', 'Cherokee'])

function scriptOf(letter: string): string {
  for (const [name, pattern] of SCRIPT_PATTERNS) if (pattern.test(letter)) return name
  return 'Other'
}

function scriptsAllowed(scripts: Set<string>): boolean {
  if (scripts.size <= 1) return true
  if (CJK_SETS.some((set) => [...scripts].every((s) => set.has(s)))) return true
  if (scripts.size !== 2 || !scripts.has('Latin')) return false
  const other = [...scripts].find((s) => s !== 'Latin')!
  return other !== 'Other' && !NEVER_WITH_LATIN.has(other)
}

const FORBIDDEN = /[\p{C}\p{Zl}\p{Zp}]/u
const STACKED = new RegExp(`\\p{M}{${MAX_MARKS_IN_A_ROW + 1}}`, 'u')

/** The normalized name, or why it is refused (the reason names no character, only the rule). */
export function checkDisplayName(raw: string): NameCheck {
  // Space separators (no-break, em, ...) become one plain space; line breaks and tabs are controls, refused below.
  const name = raw.normalize('NFKC').replace(/\p{Zs}+/gu, ' ').trim()
  if (name.length === 0) return { ok: false, reason: 'must not be empty' }
  if ([...name].length > MAX_NAME_LENGTH) return { ok: false, reason: `must be at most ${MAX_NAME_LENGTH} characters` }
  if (FORBIDDEN.test(name)) return { ok: false, reason: 'must not contain control, format, separator or unassigned characters' }
  if (STACKED.test(name)) return { ok: false, reason: `must not stack more than ${MAX_MARKS_IN_A_ROW} combining marks` }
  const scripts = new Set<string>()
  for (const ch of name) if (/\p{L}/u.test(ch)) scripts.add(scriptOf(ch))
  if (!scriptsAllowed(scripts)) return { ok: false, reason: 'must not mix letters of these scripts (look-alike names)' }
  return { ok: true, name }
}

/** A peer's display name and whether it came from its token. */
export interface DisplayName {
  userName: string
  nameVerified: boolean
}

/**
 * The token's name, else the one the client chose in its auth frame (normalized; null when refused), else the userId.
 * Whether it came from the token travels with it, so that peers can tell a claimed "Bob (admin)" from a verified one.
 */
export function chooseDisplayName(tokenName: string | undefined, userId: string, chosen: string | undefined): DisplayName | null {
  if (tokenName) return { userName: tokenName, nameVerified: true }
  if (chosen === undefined) return { userName: userId, nameVerified: true }
  const checked = checkDisplayName(chosen)
  return checked.ok ? { userName: checked.name, nameVerified: false } : null
}
