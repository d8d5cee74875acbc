/**
 * `network.proxy` (validated by the config schema) sorted into a choice, and that choice as Electron's
 * `session.setProxy` argument. Pure: the Electron adapter (main/shell/network.ts) and the undici stack (./node.ts)
 * both start here.
 */
import type { NetworkConfig } from '../config/schema';
import type { ProxyChoice } from './types';

/** A URL with a path is a PAC file (`http://wpad.hospital.local/wpad.dat`); one without a path is a proxy. */
export function proxyChoice(network: Pick<NetworkConfig, 'proxy'>): ProxyChoice {
  const value = network.proxy;
  if (value === 'system' || value === 'direct') return { kind: value };
  const url = new URL(value);
  if (url.pathname === '/' || url.pathname === '') return { kind: 'fixed', url: url.origin };
  return { kind: 'pac', url: url.href };
}

/** The subset of Electron's `ProxyConfig` we set (kept here so this module stays electron-free). */
export interface ElectronProxyConfig {
  mode: 'system' | 'direct' | 'fixed_servers' | 'pac_script';
  proxyRules?: string;
  pacScript?: string;
}

/** What `session.setProxy` gets for the choice: "system" follows the OS, PAC/WPAD included. */
export function electronProxyConfig(choice: ProxyChoice): ElectronProxyConfig {
  switch (choice.kind) {
    case 'system':
      return { mode: 'system' };
    case 'direct':
      return { mode: 'direct' };
    case 'fixed':
      return { mode: 'fixed_servers', proxyRules: choice.url };
    case 'pac':
      return { mode: 'pac_script', pacScript: choice.url };
  }
}
