/**
 * `npm start`: launches Electron on the built app. Without the Electron binary it says so in one line
 * and exits non-zero (it never tries to download it).
 */
import { spawn } from 'node:child_process';
import { probeElectron } from './electron-binary';

const electron = probeElectron();
if (!electron.path) {
  console.error(`Cannot start Scrub In: ${electron.reason}.`);
  process.exit(1);
}
const child = spawn(electron.path, ['.', ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
