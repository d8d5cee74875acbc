import type { ScrubInBridge } from '../../preload/contract';

declare global {
  interface Window {
    scrubin: ScrubInBridge;
  }
}
export {};
