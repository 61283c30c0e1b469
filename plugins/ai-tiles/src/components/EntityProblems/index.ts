export { EntityProblemsPanel } from './EntityProblemsPanel';
