/**
 * Small helpers every part of the main process shares, each in one place: retry with backoff, single-flight,
 * reading SDK and network errors, atomic JSON files, safe listener calls. Electron-free; no Scrub In policy here.
 */
export * from './retry';
export * from './single-flight';
export * from './sdk-error';
export * from './json-file';
export * from './emit';
