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
import { APP_SCHEME, ConfigSchema, launchRefusal, loadConfig, type Config } from './config';
import { auditLogPathOf, createApp } from './app';
import { collectDiagnostics, diagnosticsHooks, openDiagnosticsLog, type DiagnosticsLog } from './diagnostics';
import { isScrubInError, ScrubInError } from './errors';
import { APP_ORIGIN, contentSecurityPolicy } from './shell/assets';
import { DeepLinkIntake } from './shell/deep-links';
import { allowedExternalUrl } from './shell/external';
import { createDispatcher, createPushers, INVOKE_CHANNELS } from './shell/ipc';
import { autostartDecision, collectDiagnosticsTarget, isKioskExitChord, kioskKeyAction, mayCloseWindow } from './shell/kiosk';
import { forwardPowerEvents } from './shell/power';
import { reloadWhenPersonLeaves } from './shell/reload';
import { orViewsOf, rendererEndpoints } from './shell/renderer-endpoints';
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

/** `--collect-diagnostics <file.zip>`: writes the support bundle and quits (no window, no sign-in). */
async function collectAndExit(target: string): Promise<void> {
  await app.whenReady();
  let loaded: ReturnType<typeof loadConfig> | undefined;
  let configError: string | undefined;
  try {
    // The packaged test flavour with test hooks on (never distributed) reads --config like a development build, so
    // the e2e suite can point it at local-cognito (SCRUBIN_APP); a release build reads only IT's configuration.
    loaded = loadConfig({ packaged: app.isPackaged && !testHooks });
  } catch (error) {
    configError = isScrubInError(error) ? `${error.code}: ${error.detail ?? error.userMessage}` : String(error);
  }
  const config = loaded && 'config' in loaded ? { config: loaded.config, source: loaded.source } : undefined;
  if (loaded && !config) configError = 'no configuration (development builds use the embedded local-cognito)';
  const out = path.resolve(target);
  const names = collectDiagnostics({
    out,
    logFiles: openDiagnosticsLog({ dir: app.getPath('logs') }).files(),
    config,
    ...(configError ? { configError } : {}),
    auditLogPath: config ? auditLogPathOf(config.config, app.getPath('userData')) : path.join(app.getPath('userData'), 'audit.jsonl'),
    versions: { app: app.getVersion(), electron: process.versions.electron, chrome: process.versions.chrome, node: process.versions.node },
  });
  console.log(`Scrub In: diagnostics written to ${out} (${names.join(', ')})`);
}

/** Kiosk terminals: no closing, minimising or leaving with shortcuts; IT's chord only while signed out, if allowed. */
function lockDown(window: BrowserWindow, config: Config, signedOut: () => boolean, diagnostics: DiagnosticsLog): void {
  let leaving = false;
  const allowLeaving = (): void => {
    leaving = true;
  };
  // The OS ending the session (log-off, shutdown) may close the window; so may IT's chord.
  powerMonitor.on('shutdown', allowLeaving);
  window.on('session-end', allowLeaving);
  window.on('close', (event) => {
    if (!mayCloseWindow({ kiosk: true, leaving })) event.preventDefault();
  });
  window.on('minimize', () => window.restore());
  window.on('leave-full-screen', () => window.setFullScreen(true));
  window.webContents.on('before-input-event', (event, input) => {
    const action = kioskKeyAction(input, { exit: config.terminal.kioskExit, signedOut: signedOut() });
    if (action === 'pass') return;
    event.preventDefault();
    // Only key presses get here (kioskKeyAction passes everything else).
    if (isKioskExitChord(input)) {
      diagnostics.write({ kind: 'kiosk-exit', allowed: action === 'exit' });
    }
    if (action === 'exit') {
      allowLeaving();
      app.quit();
    }
  });
}

async function main(): Promise<void> {
  const refusal = launchRefusal({ argv: process.argv, env: process.env, packaged: app.isPackaged, testBuild: app.isPackaged && isTestBuild() });
  if (refusal) {
    console.error(refusal);
    app.exit(1);
    return;
  }
  const diagnosticsTarget = collectDiagnosticsTarget(process.argv);
  if (diagnosticsTarget) {
    await collectAndExit(diagnosticsTarget);
    app.exit(0);
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

  await app.whenReady();
  const diagnostics = openDiagnosticsLog({ dir: app.getPath('logs'), console: !app.isPackaged });
  let loaded: ReturnType<typeof loadConfig>;
  try {
    // The packaged test flavour with test hooks on (never distributed) reads --config like a development build, so
    // the e2e suite can point it at local-cognito (SCRUBIN_APP); a release build reads only IT's configuration.
    loaded = loadConfig({ packaged: app.isPackaged && !testHooks });
  } catch (error) {
    if (isScrubInError(error)) diagnostics.write({ kind: 'problem', code: error.code, detail: error.detail });
    throw error;
  }
  for (const warning of loaded.warnings) diagnostics.write({ kind: 'config-warning', text: warning });
  const config = 'config' in loaded ? loaded.config : await embeddedConfig();
  if (autostartDecision(process.argv, config.terminal) === 'quit') {
    diagnostics.write({ kind: 'autostart-skipped' });
    app.quit();
    return;
  }
  diagnostics.write({
    kind: 'app-start',
    version: app.getVersion(),
    platform: process.platform,
    runtime: `electron-${process.versions.electron}`,
    configSource: loaded.source.kind,
    mode: config.terminal.mode,
    kiosk: config.terminal.kiosk,
  });
  // macOS has no installer-made start entry: a login item of this user, with the same --autostart check.
  if (process.platform === 'darwin' && app.isPackaged) app.setLoginItemSettings({ openAtLogin: config.terminal.startAtLogin, args: ['--autostart'] });

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
    ...diagnosticsHooks(diagnostics),
    forwardAudit: createSystemLogForwarder({
      platform: process.platform,
      spawn,
      onFailure: (detail) => diagnostics.write({ kind: 'problem', code: 'internal', detail: `the audit copy to the OS log failed (${detail})` }),
    }),
  });
  await core.session.start();
  // Sleep and the OS screen lock lock the terminal; waking up re-checks the idle and shift deadlines at once.
  forwardPowerEvents(powerMonitor, (event) => {
    core.session.systemEvent(event);
  });

  // The renderer may reach the app's own content and the configured AWS endpoints, nothing else (CSP + request filter).
  const endpoints = rendererEndpoints(config);
  hardenSession(endpoints);
  serveRenderer(path.join(here, '../renderer'), contentSecurityPolicy(endpoints));
  const dispatch = createDispatcher(core.session, {
    trustedOrigin: APP_ORIGIN,
    orViews: orViewsOf(config),
    onRejected: (reason, channel) => diagnostics.write({ kind: 'ipc-rejected', channel, reason }),
  });
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, (event, payload: unknown) =>
      dispatch(channel, payload, { url: event.senderFrame?.url, isMainFrame: event.senderFrame?.parent === null }),
    );
  }
  // Every push is validated against the contract before it leaves main (the preload forwards it unchecked).
  const push = createPushers(
    () => BrowserWindow.getAllWindows(),
    (channel, problems) => diagnostics.write({ kind: 'problem', code: 'internal', detail: `push on ${channel} dropped, it does not match the contract (${problems.join('; ')})` }),
  );
  core.session.subscribe(push.sessionChanged);
  // The signed-in person's settings (changed here or on another terminal), or `reset`: never the identity id.
  core.session.subscribeSettings(push.settingsChanged);

  window = createMainWindow({ preload: path.join(here, '../preload/index.cjs'), packaged: app.isPackaged, kiosk: config.terminal.kiosk });
  // Sign-out and switch user: nothing of the previous person survives in the renderer's memory.
  core.session.subscribe(reloadWhenPersonLeaves(() => window.webContents.reload()));
  if (config.terminal.kiosk) lockDown(window, config, () => core.session.view().state === 'signed-out', diagnostics);
  links.attach((url) => {
    focus();
    void core.session.handleCallback(url);
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => {
    diagnostics.write({ kind: 'app-quit' });
    core.dispose();
  });
}

main().catch((error: unknown) => {
  const message = isScrubInError(error) ? `${error.userMessage}\n\n${error.detail ?? ''}` : String(error);
  console.error(message);
  if (app.isReady()) dialog.showErrorBox('Scrub In cannot start', message);
  app.exit(1);
});
