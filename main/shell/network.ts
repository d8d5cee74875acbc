/**
 * The Electron side of main's one transport (main/net): Chromium's network stack on a session of its own, so the
 * OS proxy settings, PAC/WPAD and the OS certificate store apply exactly as in the system browser. The session is
 * not the renderer's (whose request filter cancels everything outside the app). `network.proxy` becomes
 * `setProxy`; `extraCaFile` is honoured by a certificate check that accepts a chain Chromium refused ONLY for an
 * unknown authority, and only when one of those certificates signed it; warm connections are `preconnect`.
 */
import type { Session } from 'electron';
import type { NetworkConfig } from '../config/schema';
import { chainTrustedByExtraCa, electronProxyConfig, proxyChoice, readExtraCa, transportFailure, type Transport } from '../net';

/** The parts of a Session the transport uses (unit tests pass plain objects). */
export type NetworkSession = Pick<Session, 'fetch' | 'setProxy' | 'preconnect' | 'setCertificateVerifyProc' | 'closeAllConnections'>;

/** Chromium's verify-proc results: 0 accept, -3 use Chromium's own verdict. */
const ACCEPT = 0;
const CHROMIUM_VERDICT = -3;

export async function createElectronTransport(session: NetworkSession, network: NetworkConfig): Promise<Transport> {
  await session.setProxy(electronProxyConfig(proxyChoice(network)));
  if (network.extraCaFile) {
    const extra = readExtraCa(network.extraCaFile);
    session.setCertificateVerifyProc((request, callback) => {
      if (request.verificationResult !== 'net::ERR_CERT_AUTHORITY_INVALID') {
        callback(CHROMIUM_VERDICT);
        return;
      }
      const chain: string[] = [];
      // Leaf first, up the issuers Chromium attached (a root may name itself: at most 10 links).
      const links: (Electron.Certificate | undefined)[] = [request.certificate];
      for (let c = links.pop(); c !== undefined && chain.length < 10; c = links.pop()) {
        chain.push(c.data);
        // Typed as always present; the last certificate Chromium attaches may have none.
        links.push((c as { issuerCert?: Electron.Certificate }).issuerCert);
      }
      callback(chainTrustedByExtraCa(chain, extra, request.hostname) ? ACCEPT : CHROMIUM_VERDICT);
    });
  }
  return {
    kind: 'electron',
    async fetch(url, init) {
      try {
        return await session.fetch(url, { ...init, bypassCustomProtocolHandlers: true });
      } catch (error) {
        throw transportFailure(error);
      }
    },
    preconnect(origin) {
      session.preconnect({ url: origin, numSockets: 1 });
    },
    async close() {
      await session.closeAllConnections();
    },
  };
}
