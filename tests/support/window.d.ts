import type { ScrubInBridge } from '../../common/contract';

declare global {
  interface Window {
    /** The bridge the preload (or the renderer harness) exposes. */
    scrubin: ScrubInBridge;
  }
}
export {};
