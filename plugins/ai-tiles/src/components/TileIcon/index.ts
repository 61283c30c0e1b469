export { TileIcon, TILE_ICONS, FallbackTileIcon } from './TileIcon';
