export { TilesPage, NfsTilesPage, TilesPageContent } from './TilesPage';
