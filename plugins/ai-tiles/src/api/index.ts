export { aiTilesApiRef } from './AiTilesApi';
export type { AiTilesApi } from './AiTilesApi';
export { AiTilesClient } from './AiTilesClient';
