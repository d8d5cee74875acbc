/**
 * The host names a terminal must reach for a configuration: `npm run endpoints -- --config <file>` (the installed
 * app: `--print-endpoints`). One `host:port` per line, then who connects (Scrub In or the system browser) and why.
 */
import { readConfigFile } from '../main/config';
import { firewallEndpoints, formatEndpoints } from '../main/net';

const args = process.argv.slice(2).filter((a) => a !== '--');
const at = args.indexOf('--config');
const file = at >= 0 ? args[at + 1] : undefined;
if (file === undefined) {
  console.error('usage: npm run endpoints -- --config <scrubin-config.json>');
  process.exit(64);
}
try {
  console.log(formatEndpoints(firewallEndpoints(readConfigFile(file))));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
