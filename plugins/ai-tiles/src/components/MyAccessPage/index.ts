export {
  AiMyAccessPage,
  MyAccessPageContent,
  NfsMyAccessPage,
} from './MyAccessPage';
