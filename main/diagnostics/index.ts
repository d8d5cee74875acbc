/**
 * Owns what IT collects when something goes wrong: the rotating, secret-free diagnostics log and the
 * `--collect-diagnostics` bundle. Electron-free (the shell passes the OS's logs folder).
 */
export * from './log';
export * from './bundle';
