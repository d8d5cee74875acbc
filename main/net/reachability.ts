/**
 * Is the hospital sign-in service reachable? One HEAD request to the managed-login domain, with a short time limit
 * and nothing of the person in it (no cookies, no tokens, no query). Any HTTP answer counts as reachable, except a
 * proxy's "the server behind me does not answer" (502, 503, 504): then the browser would only show an error page.
 */
import type { FetchLike } from './types';

export const REACHABILITY_TIMEOUT_MS = 4_000;

export type Reachability = { reachable: true } | { reachable: false; reason: string };

const GATEWAY_FAILURES = new Set([502, 503, 504]);

export async function checkReachable(fetch: FetchLike, origin: string, timeoutMs: number = REACHABILITY_TIMEOUT_MS): Promise<Reachability> {
  const url = `${new URL(origin).origin}/`;
  try {
    const response = await fetch(url, { method: 'HEAD', redirect: 'manual', credentials: 'omit', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    if (GATEWAY_FAILURES.has(response.status)) return { reachable: false, reason: `HTTP ${response.status} from ${url}` };
    return { reachable: true };
  } catch (error) {
    return { reachable: false, reason: reasonOf(error) };
  }
}

/** A short, secret-free reason: the error name and the socket error code, e.g. "TypeError (ECONNREFUSED)". */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown failure';
  const cause = error.cause as { code?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : typeof (error as { code?: unknown }).code === 'string' ? String((error as { code?: unknown }).code) : null;
  return code ? `${error.name} (${code})` : error.name;
}
