/**
 * Electron entry: lifecycle wiring only. Everything worth testing lives in config/, auth/, aws/,
 * terminal/ (electron-free) and shell/ (thin, narrow-interface Electron glue).
 */
import { app, BrowserWindow, session } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config';
import { isScrubInError } from './errors';

const here = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const loaded = loadConfig({ packaged: app.isPackaged });
  for (const warning of loaded.warnings) console.warn(warning);
  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    show: true,
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      devTools: !app.isPackaged,
      disableBlinkFeatures: 'Auxclick',
    },
  });
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  await window.loadFile(path.join(here, '../renderer/index.html'));
}

main().catch((error: unknown) => {
  console.error(isScrubInError(error) ? `${error.userMessage}\n${error.detail ?? ''}` : error);
  app.exit(1);
});
