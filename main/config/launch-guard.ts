/**
 * What a launch may not carry. A packaged release build refuses to start when someone could attach a debugger
 * or a DevTools client to it (and read tokens from memory or drive the session), and every build refuses to run
 * with TLS certificate checks switched off. The test flavour of the packaged app (electron-builder.test.yml,
 * never distributed) keeps the debugging switches Playwright needs.
 */

/** Command-line switches that open the process to a debugger or a remote DevTools client. */
const DEBUG_SWITCHES = ['--remote-debugging-port', '--remote-debugging-pipe', '--remote-debugging-address', '--inspect', '--inspect-brk', '--inspect-port', '--inspect-publish-uid', '--debug', '--debug-brk'];

export interface LaunchFacts {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  packaged: boolean;
  /** The packaged test flavour (package.json `scrubinTestBuild: true`, set only by electron-builder.test.yml). */
  testBuild: boolean;
}

/** One line saying why this launch must stop, or null. */
export function launchRefusal(facts: LaunchFacts): string | null {
  if (facts.env.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
    return 'Scrub In will not start: NODE_TLS_REJECT_UNAUTHORIZED=0 switches off certificate checks. Remove it from the environment.';
  }
  if (!facts.packaged || facts.testBuild) return null;
  for (const arg of facts.argv) {
    const name = arg.split('=', 1)[0] ?? arg;
    if (DEBUG_SWITCHES.includes(name)) return `Scrub In will not start: it was launched with ${name}, which opens it to a debugger. Start it without that switch.`;
  }
  const nodeOptions = facts.env.NODE_OPTIONS ?? '';
  if (/--inspect|--debug/.test(nodeOptions)) return 'Scrub In will not start: NODE_OPTIONS asks for a debugger. Remove it from the environment.';
  return null;
}
