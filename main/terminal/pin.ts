/**
 * The quick-unlock PIN as main keeps it: a salted scrypt hash in memory, nothing else. The PIN itself is never
 * stored, logged, audited or sent anywhere; it is compared in constant time against a fresh hash of the attempt.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto';

/** scrypt cost: ~16 MiB and tens of milliseconds per hash, so a memory dump of the hash is slow to guess from. */
const SCRYPT: ScryptOptions = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;

export interface PinHash {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

function scrypt(pin: BinaryLike, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(pin, salt, KEY_BYTES, SCRYPT, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

export async function hashPin(pin: string): Promise<PinHash> {
  const salt = randomBytes(SALT_BYTES);
  return { salt, hash: await scrypt(pin, salt) };
}

/** Constant-time comparison of the attempt's hash with the stored one. */
export async function pinMatches(stored: PinHash, attempt: string): Promise<boolean> {
  const candidate = await scrypt(attempt, stored.salt);
  return timingSafeEqual(candidate, stored.hash);
}

/** Exactly `length` digits. */
export function pinShapeOk(pin: string, length: number): boolean {
  return pin.length === length && /^\d+$/.test(pin);
}

/** PINs that the first guesses find: one digit repeated (000000), or a straight run up or down (123456, 987654). */
export function pinTooEasy(pin: string): boolean {
  const digits = Array.from({ length: pin.length }, (_, i) => pin.charCodeAt(i) - 48);
  const steps = new Set(digits.slice(1).map((d, i) => d - (digits[i] ?? 0)));
  return steps.size === 1 && [0, 1, -1].some((step) => steps.has(step));
}

/** The wait before a wrong PIN is answered: 1 s after the first, doubling, at most 8 s. */
export function wrongPinDelayMs(failures: number): number {
  return Math.min(1000 * 2 ** Math.max(0, failures - 1), 8000);
}
