/**
 * LiteLLM stand-in: an in-memory HTTP server that follows the LiteLLM proxy contract the portal
 * plugins rely on. For integration tests, e2e tests and local demos only.
 *
 * @packageDocumentation
 */

export { startLiteLlmStandIn, type LiteLlmStandIn } from './server';
export {
  DEFAULT_MODELS,
  DEFAULT_VERSION,
  type FailureMode,
  type LiteLlmStandInOptions,
  type StandInModel,
  type UserHeaderMapping,
} from './options';
export type { RuntimeSwitches } from './routes/hooks';
export type { BudgetResetResult } from './budget';
export { nextResetAt, parseDuration } from './budget';
export { hashKey } from './state';
export type {
  BudgetRow,
  CustomerRow,
  KeyRow,
  SpendLogRow,
  StreamCounters,
  TeamRow,
  UploadRecord,
  UserRole,
  UserRow,
} from './state';
export {
  loadStandInConfig,
  optionsFromEnv,
  parseStandInConfig,
  type StandInFileOptions,
} from './config';
