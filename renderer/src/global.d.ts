import type { ScrubInBridge } from '../../common/contract';

declare global {
  interface Window {
    scrubin: ScrubInBridge;
  }
}
export {};
