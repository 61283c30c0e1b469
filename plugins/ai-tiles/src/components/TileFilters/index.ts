export { TileSearchField, CategoryChips } from './TileFilters';
