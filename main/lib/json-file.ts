/**
 * Small JSON files (discovery cache, signing keys, last-account pointer, identity-id cache, settings cache):
 * validated with zod on read (anything unreadable, truncated or of the wrong shape counts as absent) and
 * written atomically and durably (temp file, fsync, rename, owner-only) so a crash or power cut never leaves
 * half a file behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';

export async function readJsonFile<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Folders this process has created or found: the next write there skips the mkdir (one file-system call less). */
const knownDirs = new Set<string>();

async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  knownDirs.add(dir);
}

async function writeDurably(temp: string, text: string): Promise<void> {
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `value` to `file` as JSON: `<file>.<random>.tmp` first (removed if anything fails), then a rename. */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  const dir = path.dirname(file);
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const text = `${JSON.stringify(value)}\n`;
  if (!knownDirs.has(dir)) await ensureDir(dir);
  try {
    try {
      await writeDurably(temp, text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // The folder went away since (removed by hand or by a clean-up): create it again, once.
      knownDirs.delete(dir);
      await ensureDir(dir);
      await writeDurably(temp, text);
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

export async function removeFile(file: string): Promise<void> {
  await rm(file, { force: true });
}
