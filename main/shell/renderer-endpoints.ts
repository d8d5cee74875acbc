/**
 * The endpoint allowlist of the renderer (`orViews.allowedEndpoints`): the only places, besides the app's own
 * `app://scrubin` content, that main's request filter lets the renderer reach. The CSP's `connect-src` is built from
 * the same list (assets.ts), so both layers agree. Exact origin match: scheme, host and port.
 */
import type { OrViewsView } from '../../common/contract';
import { caseBoardEndpoint, type Config } from '../config/schema';
import { APP_ORIGIN } from './assets';

/** The configured endpoint origins (empty when no OR view is configured). */
export function rendererEndpoints(config: Pick<Config, 'orViews'>): string[] {
  return [...(config.orViews?.allowedEndpoints ?? [])];
}

/** Whether main lets a renderer request to `url` through: the app's own content, devtools, or a listed endpoint. */
export function rendererRequestAllowed(url: string, endpoints: readonly string[]): boolean {
  if (url.startsWith(`${APP_ORIGIN}/`) || url.startsWith('devtools://')) return true;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  if (parsed.username || parsed.password) return false;
  return endpoints.includes(parsed.origin);
}

/** What the renderer learns of the configured OR screens (`getOrViews`): where each one calls AWS. */
export function orViewsOf(config: Pick<Config, 'orViews'>): OrViewsView {
  const board = config.orViews?.caseBoard;
  return { caseBoard: board ? { tableName: board.tableName, region: board.region, endpoint: caseBoardEndpoint(board) } : null };
}
