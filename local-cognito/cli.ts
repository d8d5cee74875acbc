/**
 * `npm run local-cognito -- [--port N] [--rotation[=graceSeconds]] [--admin] [--no-guest] [--latency=MS]`
 *
 * The FIRST stdout line is the Scrub In configuration JSON (one line) pointing at this instance;
 * then a short human summary. Ctrl-C / SIGTERM stops it.
 */
import { pathToFileURL } from 'node:url';
import { DEMO_PASSWORD, startLocalCognito, type LocalCognitoOptions } from './index';

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
      case '--help':
      case '-h':
        process.stdout.write('usage: local-cognito [--port N] [--rotation[=graceSeconds]] [--admin] [--no-guest] [--latency=MS]\n');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option "${arg}" (usage: local-cognito [--port N] [--rotation[=graceSeconds]] [--admin] [--no-guest] [--latency=MS])`);
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
  process.stdout.write(`${JSON.stringify(lc.config)}\n`);
  process.stdout.write(
    [
      '',
      `local-cognito is running on ${lc.origin} (offline stand-in for Amazon Cognito; demo only)`,
      `  issuer            ${lc.issuer}`,
      `  discovery         ${lc.issuer}/.well-known/openid-configuration`,
      `  managed login     ${lc.origin}/oauth2/authorize  (client ${lc.clientId})`,
      `  identity pool     ${lc.identityPoolId} at ${lc.origin}/ (guests ${options.allowGuest === false ? 'off' : 'on'})`,
      `  refresh rotation  ${rotation}`,
      ...(options.latencyMs ? [`  emulated latency  ${String(options.latencyMs)} ms before every answer`] : []),
      `  admin controls    ${options.admin ? `${lc.origin}/__admin/` : 'off (use --admin)'}`,
      `  demo users        ${lc.users.map((u) => `${u.username}${u.enabled ? '' : ' (disabled)'}`).join(', ')}`,
      `  demo password     ${DEMO_PASSWORD}  (demo accounts only)`,
      'Save the first line as a Scrub In config file to point the app here. Ctrl-C stops.',
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
