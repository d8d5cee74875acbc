export * from './schema';
export * from './load';
export * from './launch-guard';
