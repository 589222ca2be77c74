/** @module Small statistics over repeated runs. */

export function median(values: readonly (number | null | undefined)[]): number | null {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b)
  if (xs.length === 0) return null
  const mid = xs.length >> 1
  return xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2
}

/** Spread of repeated runs as (max - min) / median, a rough noise figure. */
export function spread(values: readonly (number | null | undefined)[]): number | null {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  const m = median(xs)
  if (xs.length < 2 || !m) return null
  return (Math.max(...xs) - Math.min(...xs)) / Math.abs(m)
}

export const round = (x: number | null, digits = 1): number | null => (x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits)
