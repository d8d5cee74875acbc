/**
 * Electron entry: lifecycle wiring only. Everything worth testing lives in config/, auth/, identity-pool/, terminal/
 * (electron-free, composed by app.ts) and shell/ (thin Electron glue with narrow, unit-tested logic).
 */
import { app, BrowserWindow, dialog, ipcMain, powerMonitor, shell } from 'electron';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { startLocalCognito as StartLocalCognito } from '../local-cognito';
import { CHANNELS } from '../common/contract';
import { APP_SCHEME, ConfigSchema, launchRefusal, loadConfig, type Config } from './config';
import { createApp } from './app';
import { isScrubInError, ScrubInError } from './errors';
import { APP_ORIGIN } from './shell/assets';
import { DeepLinkIntake } from './shell/deep-links';
import { allowedExternalUrl } from './shell/external';
import { createDispatcher, INVOKE_CHANNELS, toPushedSettingsChange, toPushedView } from './shell/ipc';
import { forwardPowerEvents } from './shell/power';
import { createTestHooks, testHooksAllowed } from './shell/test-hooks';
import { createMainWindow, hardenSession, registerAppScheme, serveRenderer } from './shell/window';
import { createSystemLogForwarder } from './terminal/system-log';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Test hooks (shell/test-hooks.ts) exist only in unpackaged builds and the packaged test flavour, when asked for. */
const testHooks = testHooksAllowed({ env: process.env, packaged: app.isPackaged, testBuild: app.isPackaged && isTestBuild() }) ? createTestHooks() : undefined;

if ((!app.isPackaged || testHooks) && process.env.SCRUBIN_USER_DATA) app.setPath('userData', process.env.SCRUBIN_USER_DATA);

/** Development default: an in-process local-cognito (never in packaged builds). */
async function embeddedConfig(): Promise<Config> {
  if (app.isPackaged) throw new ScrubInError('config_missing', { detail: 'no --config, SCRUBIN_CONFIG or machine-managed configuration file' });
  const modulePath = path.join(here, '../local-cognito/index.js');
  const { startLocalCognito } = (await import(pathToFileURL(modulePath).href)) as { startLocalCognito: typeof StartLocalCognito };
  const cognito = await startLocalCognito({ port: Number(process.env.SCRUBIN_LOCAL_COGNITO_PORT ?? 0) });
  app.on('will-quit', () => void cognito.stop());
  console.log(`Scrub In: using the embedded local-cognito at ${cognito.origin} (demo users: see README)`);
  return ConfigSchema.parse(cognito.config);
}

/** The packaged test flavour marks its package.json (electron-builder.test.yml extraMetadata); release builds do not. */
function isTestBuild(): boolean {
  try {
    const pkg = JSON.parse(readFileSync(path.join(app.getAppPath(), 'package.json'), 'utf8')) as { scrubinTestBuild?: unknown };
    return pkg.scrubinTestBuild === true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const refusal = launchRefusal({ argv: process.argv, env: process.env, packaged: app.isPackaged, testBuild: app.isPackaged && isTestBuild() });
  if (refusal) {
    console.error(refusal);
    app.exit(1);
    return;
  }
  registerAppScheme();
  if (!app.requestSingleInstanceLock()) {
    // The first instance receives our argv (with any deep link) through 'second-instance'.
    app.quit();
    return;
  }
  // Packaged: installers register the scheme; this keeps the registration current. Development (`electron .`):
  // register the Electron binary with the app path so the OS can start this app for a callback.
  if (process.defaultApp && process.argv[1]) app.setAsDefaultProtocolClient(APP_SCHEME, process.execPath, [path.resolve(process.argv[1])]);
  else app.setAsDefaultProtocolClient(APP_SCHEME);

  let window: BrowserWindow | undefined = undefined;
  const focus = (): void => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  };
  const links = new DeepLinkIntake(app, process.argv, focus);

  // The packaged test flavour with test hooks on (never distributed) reads --config like a development build, so the
  // e2e suite can point it at local-cognito (SCRUBIN_APP); a release build reads only the machine-managed file.
  const loaded = loadConfig({ packaged: app.isPackaged && !testHooks });
  for (const warning of loaded.warnings) console.warn(warning);
  await app.whenReady();
  const config = 'config' in loaded ? loaded.config : await embeddedConfig();

  if (testHooks) Object.assign(globalThis, { __scrubinTestHooks: testHooks.global });
  const openBrowser = (url: string): void => {
    if (!allowedExternalUrl(config, url)) {
      console.error('Refused to open a URL outside the configured sign-in domain');
      return;
    }
    if (testHooks) testHooks.open(url);
    else void shell.openExternal(url);
  };

  const core = createApp({
    config,
    dataDir: app.getPath('userData'),
    openBrowser,
    ...(testHooks ? { clock: testHooks.clock } : {}),
    onProblem: (error) => console.error(`${error.code}: ${error.detail ?? error.userMessage}`),
    forwardAudit: createSystemLogForwarder({
      platform: process.platform,
      spawn,
      onFailure: (detail) => console.error(`internal: the audit copy to the OS log failed (${detail})`),
    }),
  });
  await core.session.start();
  // Sleep and the OS screen lock lock the terminal; waking up re-checks the idle and shift deadlines at once.
  forwardPowerEvents(powerMonitor, (event) => {
    core.session.systemEvent(event);
  });

  hardenSession();
  serveRenderer(path.join(here, '../renderer'));
  const dispatch = createDispatcher(core.session, {
    trustedOrigin: APP_ORIGIN,
    onRejected: (reason, channel) => console.warn(`IPC ${channel} rejected: ${reason}`),
  });
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, (event, payload: unknown) =>
      dispatch(channel, payload, { url: event.senderFrame?.url, isMainFrame: event.senderFrame?.parent === null }),
    );
  }
  core.session.subscribe((view) => {
    const safe = toPushedView(view);
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send(CHANNELS.sessionChanged, safe);
  });
  // The signed-in person's settings (changed here or on another terminal), or `reset`: never the identity id.
  core.session.subscribeSettings((change) => {
    const safe = toPushedSettingsChange(change);
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send(CHANNELS.settingsChanged, safe);
  });

  window = createMainWindow({ preload: path.join(here, '../preload/index.cjs'), packaged: app.isPackaged });
  links.attach((url) => {
    focus();
    void core.session.handleCallback(url);
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => core.dispose());
}

main().catch((error: unknown) => {
  const message = isScrubInError(error) ? `${error.userMessage}\n\n${error.detail ?? ''}` : String(error);
  console.error(message);
  if (app.isReady()) dialog.showErrorBox('Scrub In cannot start', message);
  app.exit(1);
});
