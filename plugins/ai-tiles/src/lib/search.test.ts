import { parseAiTile } from '@internal/plugin-ai-tiles-common';
import { demoEntities } from '../__testUtils__/entities';
import { categoriesOf, filterTiles, isFilterActive } from './search';
import { buildTileViews } from './tileViews';

const views = buildTileViews(
  demoEntities.flatMap(e => {
    const r = parseAiTile(e);
    return r.ok ? [r.tile] : [];
  }),
);
const names = (query: string, category?: string) =>
  filterTiles(views, { query, category }).map(v => v.tile.name);

describe('filterTiles', () => {
  it('returns everything (same array) without a filter', () => {
    expect(filterTiles(views, { query: '  ' })).toBe(views);
  });

  it('matches title, description, tags and category, case-insensitively', () => {
    expect(names('CONTRACT')).toEqual(['contract-summarizer']);
    expect(names('bullet points')).toEqual(['email-drafter']);
    expect(names('finance')).toEqual(['invoice-extractor']);
    // tag only: "contracts" and "language" appear in no title or description
    expect(names('Contracts')).toEqual(['contract-summarizer']);
    expect(names('language')).toEqual(['translator']);
    // category only: "Writing" is the category of the drafter and translator
    expect(names('Writing')).toEqual(['email-drafter', 'translator']);
  });

  it('requires every term to match', () => {
    expect(names('writing tone')).toEqual(['translator']);
    expect(names('writing legal')).toEqual([]);
  });

  it('filters by category slug and keeps grid order', () => {
    expect(names('', 'writing')).toEqual(['email-drafter', 'translator']);
    expect(names('email', 'writing')).toEqual(['email-drafter']);
    expect(names('', 'nope')).toEqual([]);
  });

  it('does not match owners (not part of the search fields)', () => {
    expect(names('operations')).toEqual([]);
  });
});

describe('categoriesOf / isFilterActive', () => {
  it('lists each category slug once, sorted', () => {
    expect(categoriesOf(views)).toEqual([
      'chat',
      'finance',
      'legal',
      'writing',
    ]);
  });

  it('knows when a filter is active', () => {
    expect(isFilterActive({ query: ' ' })).toBe(false);
    expect(isFilterActive({ query: 'a' })).toBe(true);
    expect(isFilterActive({ query: '', category: 'legal' })).toBe(true);
  });
});
