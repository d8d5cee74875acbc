import type { ScrubInBridge } from '../../preload/contract';

declare global {
  interface Window {
    /** The bridge the preload (or the renderer harness) exposes. */
    scrubin: ScrubInBridge;
  }
}
export {};
