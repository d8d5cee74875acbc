/**
 * Deep-link intake: the OS hands `app.scrubin:` URLs to the app through first-launch argv, the
 * `second-instance` event (Windows/Linux) or `open-url` (macOS), possibly before the app is ready.
 * This module only finds and queues them; deciding what a link means is the session's job.
 * It takes narrow interfaces so its logic is unit-tested with plain objects.
 */
import { APP_SCHEME } from '../config/schema';

/** Longest URL accepted from the OS; anything longer is not a callback of ours. */
export const MAX_DEEP_LINK_LENGTH = 8192;

/** Returns the first argv entry that is a link on the app's scheme (Chromium may append its own switches). */
export function deepLinkFromArgv(argv: readonly string[]): string | undefined {
  return argv.find((arg) => isAppLink(arg));
}

export function isAppLink(value: string): boolean {
  return value.length <= MAX_DEEP_LINK_LENGTH && value.toLowerCase().startsWith(`${APP_SCHEME}:`);
}

export interface DeepLinkApp {
  on(event: 'open-url', listener: (event: { preventDefault(): void }, url: string) => void): unknown;
  on(event: 'second-instance', listener: (event: unknown, argv: string[]) => void): unknown;
}

/**
 * Queues links until a handler is attached (links that arrive before `ready` are not lost), then
 * delivers each one, in order, exactly once.
 */
export class DeepLinkIntake {
  private queue: string[] = [];
  private handler: ((url: string) => void) | undefined;

  constructor(
    app: DeepLinkApp,
    initialArgv: readonly string[],
    private readonly onSecondInstance: () => void = () => undefined,
  ) {
    app.on('open-url', (event, url) => {
      event.preventDefault();
      this.push(url);
    });
    app.on('second-instance', (_event, argv) => {
      this.onSecondInstance();
      const link = deepLinkFromArgv(argv);
      if (link) this.push(link);
    });
    const first = deepLinkFromArgv(initialArgv);
    if (first) this.push(first);
  }

  /** Attaches the consumer and flushes what arrived early. */
  attach(handler: (url: string) => void): void {
    this.handler = handler;
    const early = this.queue;
    this.queue = [];
    for (const url of early) handler(url);
  }

  private push(url: string): void {
    if (!isAppLink(url)) return;
    if (this.handler) this.handler(url);
    else this.queue.push(url);
  }
}
