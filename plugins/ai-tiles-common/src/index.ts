/**
 * Shared contract of the AI portal plugins: catalog annotations, the entity to
 * tile model with its validation, and API types.
 *
 * @packageDocumentation
 */
export * from './constants';
export * from './url';
export * from './entityRef';
export * from './tile';
export * from './policy';
export * from './problems';
export * from './access';
