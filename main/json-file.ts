/**
 * Small JSON files under the core's cacheDir (discovery cache, signing keys, last-account pointer, identity-id
 * cache): validated with zod on read (anything unreadable, truncated or of the wrong shape counts as absent)
 * and written atomically (temp file + rename) so a crash never leaves half a file behind.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
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

export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  const dir = path.dirname(file);
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (!knownDirs.has(dir)) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    knownDirs.add(dir);
  }
  try {
    await writeFile(temp, text, { mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // The folder went away since (removed by hand or by a clean-up): create it again, once.
    knownDirs.delete(dir);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    knownDirs.add(dir);
    await writeFile(temp, text, { mode: 0o600 });
  }
  await rename(temp, file);
}

export async function removeFile(file: string): Promise<void> {
  await rm(file, { force: true });
}
