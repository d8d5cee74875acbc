/**
 * `npm run --silent local-cognito -- [--port N] [--rotation[=graceSeconds]] [--admin] [--no-guest] [--latency=MS] [--strict[=pkce,scope,openid]]`
 *
 * stdout carries one line, the Scrub In configuration JSON pointing at this instance, so that
 * `npm run --silent local-cognito | head -1 > scrubin.local.json` saves it (`--silent` keeps npm's own
 * banner off stdout); the human summary goes to stderr. Ctrl-C / SIGTERM stops it.
 */
import { pathToFileURL } from 'node:url';
import { DEMO_PASSWORD, startLocalCognito, type LocalCognitoOptions, type StrictOptions } from './index';

const USAGE = 'usage: local-cognito [--port N] [--rotation[=graceSeconds]] [--admin] [--no-guest] [--latency=MS] [--strict[=pkce,scope,openid]]';
const STRICT_PARTS = ['pkce', 'scope', 'openid'] as const;

function parseStrict(inline: string | undefined): true | StrictOptions {
  if (inline === undefined) return true;
  const parts = inline.split(',').filter(Boolean);
  const unknown = parts.filter((p) => !(STRICT_PARTS as readonly string[]).includes(p));
  if (parts.length === 0 || unknown.length > 0) throw new Error(`--strict=<list> expects some of ${STRICT_PARTS.join(',')}, got "${inline}"`);
  return Object.fromEntries(parts.map((p) => [p, true]));
}

export function parseArgs(argv: readonly string[]): LocalCognitoOptions {
  const options: LocalCognitoOptions = { port: 0, rotation: false, admin: false, allowGuest: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    switch (flag) {
      case '--port': {
        const value = inline ?? argv[++i];
        const port = Number(value);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port expects a port number from 0 to 65535, got "${value ?? ''}"`);
        options.port = port;
        break;
      }
      case '--rotation': {
        const grace = inline === undefined ? 0 : Number(inline);
        if (!Number.isInteger(grace) || grace < 0 || grace > 60) throw new Error(`--rotation=<graceSeconds> expects 0 to 60, got "${inline ?? ''}"`);
        options.rotation = { graceSeconds: grace };
        break;
      }
      case '--admin':
        options.admin = true;
        break;
      case '--latency': {
        const value = inline ?? argv[++i];
        const ms = Number(value);
        if (!Number.isInteger(ms) || ms < 0 || ms > 5000) throw new Error(`--latency=<ms> expects 0 to 5000, got "${value ?? ''}"`);
        options.latencyMs = ms;
        break;
      }
      case '--no-guest':
        options.allowGuest = false;
        break;
      case '--strict':
        options.strict = parseStrict(inline);
        break;
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option "${arg}" (${USAGE})`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  let options: LocalCognitoOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`local-cognito: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const lc = await startLocalCognito(options);
  const rotation = options.rotation ? `on, grace ${options.rotation.graceSeconds} s` : 'off';
  const strict = options.strict === true ? 'all' : options.strict ? Object.keys(options.strict).join(', ') : "off (Cognito's own leniency)";
  process.stdout.write(`${JSON.stringify(lc.config)}\n`);
  process.stderr.write(
    [
      `local-cognito is running on ${lc.origin} (offline stand-in for Amazon Cognito; demo only)`,
      `  issuer            ${lc.issuer}`,
      `  discovery         ${lc.issuer}/.well-known/openid-configuration`,
      `  managed login     ${lc.origin}/oauth2/authorize  (client ${lc.clientId})`,
      `  identity pool     ${lc.identityPoolId} at ${lc.origin}/ (guests ${options.allowGuest === false ? 'off' : 'on'})`,
      `  refresh rotation  ${rotation}`,
      `  strict mode       ${strict}`,
      ...(options.latencyMs ? [`  emulated latency  ${String(options.latencyMs)} ms before every answer`] : []),
      `  admin controls    ${options.admin ? `${lc.origin}/__admin/` : 'off (use --admin)'}`,
      `  demo users        ${lc.users.map((u) => `${u.username}${u.enabled ? '' : ' (disabled)'}`).join(', ')}`,
      `  demo password     ${DEMO_PASSWORD}  (demo accounts only)`,
      'stdout carries the Scrub In config (one line): `npm run --silent local-cognito | head -1 > scrubin.local.json`. Ctrl-C stops.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    lc.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  void main().catch((error: unknown) => {
    process.stderr.write(`local-cognito: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
