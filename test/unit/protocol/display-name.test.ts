/** @module Issue 9 finding 8: display names are normalized and bounded; spoofing characters are refused. */
import { describe, expect, it } from 'vitest'
import { checkDisplayName } from '../../../src/protocol/display-name.js'
import { UserNameSchema } from '../../../src/protocol/ids.js'

const accepted = (raw: string) => {
  const r = checkDisplayName(raw)
  return r.ok ? r.name : null
}

describe('display names', () => {
  it.each([
    ['Alice', 'Alice'],
    ['  Bob   Smith ', 'Bob Smith'],
    ['Zoë Ødegård', 'Zoë Ødegård'],
    ['Nguyễn Văn An', 'Nguyễn Văn An'],
    ['山田 太郎 (Taro)', '山田 太郎 (Taro)'],
    ['김민준 Kim', '김민준 Kim'],
    ['Дмитрий', 'Дмитрий'],
    ['Ελένη', 'Ελένη'],
    ['محمد', 'محمد'],
    ['สมชาย', 'สมชาย'],
    ['Ｂｏｂ', 'Bob'],
    ['𝐁𝐨𝐛', 'Bob'],
    ['ﬁona', 'fiona'],
    ['Bob\u00a0\u2003 Jones', 'Bob Jones'],
    ['Ana 🎉', 'Ana 🎉'],
  ])('accepts %j as %j', (raw, name) => {
    expect(accepted(raw)).toBe(name)
  })

  it.each([
    ['line separator', 'Bob\u2028(admin)'],
    ['paragraph separator', 'Bob\u2029x'],
    ['newline', 'Bob\n(admin)'],
    ['bidi override', 'Bob\u202eevil'],
    ['zero-width space', 'Bo\u200bb'],
    ['zero-width joiner', 'Bo\u200db'],
    ['NUL', 'Bob\u0000'],
    ['lone surrogate', 'Bob\ud800'],
    ['private use', 'Bob\ue000'],
    ['unassigned', 'Bob\u0378'],
    ['Cyrillic look-alike in a Latin name', 'аlice'],
    ['Greek look-alike in a Latin name', 'Βob'],
    ['stacked combining marks', `Z${'\u0301\u0302\u0303\u0304\u0305\u0306'}algo`],
    ['empty', ''],
    ['only spaces', '   '],
    ['65 characters', 'x'.repeat(65)],
  ])('refuses a name with %s', (_label, raw) => {
    expect(accepted(raw)).toBeNull()
  })

  it('the HTTP/claim schema normalizes too, and its message names the rule, not the characters', () => {
    expect(UserNameSchema.parse('  Ｂｏｂ ')).toBe('Bob')
    const failed = UserNameSchema.safeParse('Bob\u2028(admin)')
    expect(failed.success).toBe(false)
    expect(failed.error?.issues[0]?.message).toMatch(/separator/)
  })
})
