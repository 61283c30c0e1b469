export { AiPolicyPage, NfsAiPolicyPage, PolicyPageContent } from './PolicyPage';
