export { AiAppPage, NfsAiAppPage, AppPageContent } from './AppPage';
