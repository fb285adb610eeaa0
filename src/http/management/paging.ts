import { Type, type Static } from 'typebox'
import type { PageRequest } from '../../storage/store.js'

/** Largest page of any list endpoint, as on Auth0. */
export const MAX_PER_PAGE = 100

/** `page`, `per_page` and `include_totals`, shared by every list endpoint. */
export const PagingQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 0, description: 'Zero-based index of the page.' })),
  per_page: Type.Optional(
    Type.Integer({ minimum: 0, maximum: MAX_PER_PAGE, description: 'Number of results per page.' }),
  ),
  include_totals: Type.Optional(
    Type.Boolean({ description: 'Wrap the results in an object with the total count.' }),
  ),
})
export type PagingQuery = Static<typeof PagingQuery>

/**
 * The page a query asks for. Without `per_page`, `defaultPerPage` applies, or every row when it
 * is `undefined` (compat Q8 for hooks).
 */
export function pageOf(query: PagingQuery, defaultPerPage?: number): PageRequest | undefined {
  const perPage = query.per_page ?? defaultPerPage
  if (perPage === undefined) return undefined
  return { offset: (query.page ?? 0) * perPage, limit: perPage }
}

/** A bare array, or `{start, limit, total, <key>}` with `include_totals=true`. */
export function listBody<T>(
  key: string,
  items: readonly T[],
  total: number,
  page: PageRequest | undefined,
  includeTotals: boolean | undefined,
): readonly T[] | Record<string, unknown> {
  if (includeTotals !== true) return items
  return { start: page?.offset ?? 0, limit: page?.limit ?? items.length, total, [key]: items }
}
