export { BudgetMeter } from './BudgetMeter';
