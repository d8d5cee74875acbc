/**
 * Owns the configuration: the zod schema (one source for validation, docs/config.schema.json and the README table),
 * where a launch reads it from (machine file first, packaged builds nothing else) and what a launch may not carry.
 */
export * from './schema';
export * from './load';
export * from './launch-guard';
export * from './managed-policy';
export * from './language';
