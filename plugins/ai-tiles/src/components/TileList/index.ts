export { TileList } from './TileList';
export type { TileListProps } from './TileList';
