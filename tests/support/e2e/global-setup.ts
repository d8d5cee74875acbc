/**
 * Once per e2e run: builds what the selected projects drive (the whole app for `electron`, the renderer for
 * `web`; always, so a spec never runs against a stale UI) and starts one private, headless Secret Service whose
 * address reaches the workers through the environment. Returns the teardown.
 */
import { execFileSync } from 'node:child_process';
import { build as viteBuild } from 'vite';
import { startPrivateKeyring } from '../keyring';
import { electronTarget } from './electron';

/** The projects named with --project on the command line (all when none is). */
export function selectedProjects(argv: readonly string[]): string[] | 'all' {
  const names: string[] = [];
  argv.forEach((arg, i) => {
    if (arg.startsWith('--project=')) names.push(arg.slice('--project='.length));
    else if (arg === '--project' && argv[i + 1]) names.push(argv[i + 1] ?? '');
  });
  return names.length > 0 ? names : 'all';
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const projects = selectedProjects(process.argv);
  const wants = (name: string): boolean => projects === 'all' || projects.includes(name);
  const electron = wants('electron') && !process.env.SCRUBIN_APP && 'target' in electronTarget();
  if (process.env.SCRUBIN_E2E_NO_BUILD === '1') {
    // The caller built already (e.g. CI right after `npm run build`).
  } else if (electron || (wants('electron') && !process.env.SCRUBIN_APP && !wants('web'))) {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { stdio: 'inherit' });
  } else if (wants('web')) {
    await viteBuild({ configFile: 'renderer/vite.config.ts', logLevel: 'warn' });
  }
  if (process.env.SCRUBIN_NO_KEYRING === '1') return () => Promise.resolve();
  const keyring = await startPrivateKeyring();
  Object.assign(process.env, keyring.env, { SCRUBIN_TEST_KEYRING: '1' });
  return () => keyring.stop();
}
