/**
 * Backend of the AI portal: the ai-tiles plugin (default export) and the
 * catalog module that validates AI entities.
 *
 * @packageDocumentation
 */
export { aiTilesPlugin as default } from './plugin';
export { catalogModuleAiTiles } from './catalog/module';
export { AiEntityProcessor } from './catalog/AiEntityProcessor';
