/**
 * IPC channel names, with no dependency at all: the preload imports only this file (and types), so it carries
 * no schema library. The schemas for these channels are in contract.ts, where main validates both directions.
 */
export const CHANNELS = {
  getSession: 'scrubin:session:get',
  sessionChanged: 'scrubin:session:changed',
  signIn: 'scrubin:auth:sign-in',
  cancelSignIn: 'scrubin:auth:cancel',
  signOut: 'scrubin:auth:sign-out',
  lock: 'scrubin:terminal:lock',
  unlock: 'scrubin:terminal:unlock',
  switchUser: 'scrubin:terminal:switch-user',
  continueAsGuest: 'scrubin:terminal:guest',
  reportActivity: 'scrubin:terminal:activity',
  setTextSize: 'scrubin:terminal:text-size',
  getCredentials: 'scrubin:aws:credentials',
  getSetting: 'scrubin:settings:get',
  setSetting: 'scrubin:settings:set',
  settingsChanged: 'scrubin:settings:changed',
  setPin: 'scrubin:terminal:set-pin',
  unlockWithPin: 'scrubin:terminal:unlock-pin',
  getOrViews: 'scrubin:views:get',
} as const;

/** Channels main pushes to windows (not invokable). */
export const PUSH_CHANNELS = [CHANNELS.sessionChanged, CHANNELS.settingsChanged] as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];
export type PushChannel = (typeof PUSH_CHANNELS)[number];
