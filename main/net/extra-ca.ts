/**
 * `network.extraCaFile`: extra root certificates (the hospital's TLS-inspection CA) for terminals whose OS trust
 * store IT cannot change. Read and checked once at start (a file that is missing, unreadable or holds no valid
 * certificate stops the app naming the field); the undici stack adds them to Node's roots, the Electron stack
 * accepts a chain Chromium refused ONLY for an unknown authority, and only when one of these certificates signed it.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ScrubInError } from '../errors';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export interface ExtraCa {
  /** The PEM blocks, as read (for undici's `ca`). */
  pems: string[];
  certificates: X509Certificate[];
}

function refuse(file: string, why: string, cause?: unknown): ScrubInError {
  return new ScrubInError('config_invalid', { detail: `network.extraCaFile "${file}": ${why}`, cause });
}

/** Reads the PEM file; every block must be a CA certificate valid now. */
export function readExtraCa(file: string, now: number = Date.now()): ExtraCa {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw refuse(file, 'the file cannot be read (it must be a PEM file of CA certificates readable by Scrub In)', error);
  }
  const pems = text.match(PEM_BLOCK) ?? [];
  if (pems.length === 0) throw refuse(file, 'no "-----BEGIN CERTIFICATE-----" block found (expected PEM, not DER)');
  const certificates = pems.map((pem, i) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch (error) {
      throw refuse(file, `certificate ${i + 1} cannot be parsed`, error);
    }
    if (!cert.ca) throw refuse(file, `certificate ${i + 1} (${cert.subject.replace(/\n/g, ', ')}) is not a CA certificate`);
    if (Date.parse(cert.validTo) < now || Date.parse(cert.validFrom) > now) throw refuse(file, `certificate ${i + 1} (${cert.subject.replace(/\n/g, ', ')}) is not valid now (${cert.validFrom} - ${cert.validTo})`);
    return cert;
  });
  return { pems, certificates };
}

/**
 * The certificates of NODE_EXTRA_CA_CERTS (PEM blocks), which Node adds to its roots by itself, but which an explicit
 * `ca` list (as `extraCaFile` needs) would otherwise drop. Like Node, a file that cannot be read adds nothing.
 */
export function nodeExtraCaPems(env: NodeJS.ProcessEnv): string[] {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (!file) return [];
  try {
    return readFileSync(file, 'utf8').match(PEM_BLOCK) ?? [];
  } catch {
    return [];
  }
}

/**
 * Whether a server chain (leaf first, PEM) that Chromium refused for an unknown authority is signed by one of the
 * extra CAs: some certificate of the chain must be issued and signed by an extra CA, each link up to it must be
 * issued and signed by the next, every certificate must be valid now, and the leaf must match `hostname`.
 */
export function chainTrustedByExtraCa(chainPems: readonly string[], extra: ExtraCa, hostname: string, now: number = Date.now()): boolean {
  let chain: X509Certificate[];
  try {
    chain = chainPems.map((pem) => new X509Certificate(pem));
  } catch {
    return false;
  }
  const leaf = chain[0];
  if (!leaf) return false;
  const valid = (c: X509Certificate): boolean => Date.parse(c.validFrom) <= now && now <= Date.parse(c.validTo);
  const hostOk = /^[\d.]+$/.test(hostname) || hostname.includes(':') ? leaf.checkIP(hostname.replace(/^\[|\]$/g, '')) !== undefined : leaf.checkHost(hostname) !== undefined;
  if (!hostOk) return false;
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i];
    if (!cert || !valid(cert)) return false;
    if (i > 0 && !cert.ca) return false;
    const anchor = extra.certificates.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
    if (anchor) return true;
    const next = chain[i + 1];
    if (!next || !cert.checkIssued(next) || !cert.verify(next.publicKey)) return false;
  }
  return false;
}
