import { TileView } from './tileViews';

export interface TileFilter {
  /** Free text; every whitespace-separated term must match (case-insensitive). */
  query: string;
  /** Category slug, or undefined for all categories. */
  category?: string;
}

/** Splits a query into lower-cased terms. */
export function queryTerms(query: string): string[] {
  return query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
}

export function isFilterActive(filter: TileFilter): boolean {
  return queryTerms(filter.query).length > 0 || !!filter.category;
}

/** The views that match the filter, in their original order. */
export function filterTiles(views: TileView[], filter: TileFilter): TileView[] {
  const terms = queryTerms(filter.query);
  const { category } = filter;
  if (terms.length === 0 && !category) {
    return views;
  }
  return views.filter(
    view =>
      (!category || view.tile.category === category) &&
      terms.every(term => view.haystack.includes(term)),
  );
}

/**
 * Categories (slugs, as written in `ai-portal/category`) present among the
 * views, sorted. Chips and tiles show the slug itself.
 */
export function categoriesOf(views: TileView[]): string[] {
  const seen = new Set<string>();
  for (const view of views) {
    if (view.tile.category) {
      seen.add(view.tile.category);
    }
  }
  return [...seen].sort((a, b) => a.localeCompare(b));
}
