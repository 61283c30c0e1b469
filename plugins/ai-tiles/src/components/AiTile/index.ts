export { AiTile } from './AiTile';
export type { AiTileProps } from './AiTile';
