/**
 * Saving media into the person's folder: each file is downloaded into a hidden temporary file in
 * that folder, then moved into place under its name. The same content already there (same length,
 * same SHA-256, under the name or one of its numbered forms) is answered with that file; another
 * file of the name is never overwritten: the new one takes the next free number (`name-2.mp4`).
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, open, rename, unlink, writeFile } from 'node:fs/promises';
import { type Downloaded, download, fileSha256 } from './download.js';
import { ensureFolder, folderRefusal, inside, removeQuietly } from './folder.js';
import { MediaError, type MediaHttp, mediaHttp } from './http.js';

export interface SaveItem {
  url: string;
  /** File name without extension, already clean (see folder.ts). */
  stem: string;
  /** Extension when the answer's type does not say (".mp4"). */
  ext: string;
  kind: 'video' | 'image';
}

export interface Saved {
  path: string;
  bytes: number;
  /** The same content was already there: nothing new was written. */
  existed: boolean;
  mimeType?: string;
}

export interface SaveOptions {
  signal: AbortSignal;
  onProgress?: (bytes: number, total: number | undefined, item: number) => void;
  /** For tests. */
  http?: MediaHttp;
  resumeDelayMs?: (n: number) => number;
}

const EXT_BY_TYPE: Record<string, string> = {
  'video/mp4': '.mp4',
  'video/quicktime': '.mov',
  'video/webm': '.webm',
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
};

const accepts = (kind: SaveItem['kind']) => (type: string | undefined) => {
  const t = type?.split(';')[0]?.trim().toLowerCase();
  if (!t || t.startsWith(`${kind}/`) || /octet-stream$/.test(t)) return undefined;
  return `the URL answered ${t}, not a${kind === 'image' ? 'n image' : ' video'}`;
};

const codeOf = (err: unknown) => (err as { code?: string }).code;

/** Moves `temp` to `path` only if nothing is there; false when a file of that name appeared. */
async function claim(temp: string, path: string): Promise<boolean> {
  try {
    await link(temp, path); // atomic, and never replaces a file
    await unlink(temp);
    return true;
  } catch (err) {
    if (codeOf(err) === 'EEXIST') return false;
    // File systems without hard links (FAT, some network shares): reserve the name, then move over it.
    try {
      await writeFile(path, '', { flag: 'wx' });
    } catch (e) {
      if (codeOf(e) === 'EEXIST') return false;
      throw e;
    }
    await rename(temp, path);
    return true;
  }
}

/** Puts the downloaded temp file in place; answers with an identical file already there instead. */
async function place(dir: string, stem: string, ext: string, temp: string, got: Downloaded) {
  for (let n = 1, races = 0; n <= 999; ) {
    const path = inside(dir, n === 1 ? `${stem}${ext}` : `${stem}-${n}${ext}`);
    const st = await lstat(path).catch((err) => {
      if (codeOf(err) === 'ENOENT') return undefined;
      throw err;
    });
    if (!st) {
      if (await claim(temp, path)) return { path, existed: false };
      if (++races > 10) throw new MediaError(`could not claim a name for ${stem}${ext}`);
      continue; // someone took it just now: look at it again
    }
    if (st.isFile() && st.size === got.bytes && (await fileSha256(path)) === got.sha256) {
      await removeQuietly(temp);
      return { path, existed: true };
    }
    n += 1;
  }
  throw new MediaError(`999 files named ${stem}${ext} are already there`);
}

async function saveOne(dir: string, item: SaveItem, http: MediaHttp, o: SaveOptions, i: number) {
  const temp = inside(dir, `.${item.stem}.${randomBytes(6).toString('hex')}.part`);
  let out: Awaited<ReturnType<typeof open>>;
  try {
    out = await open(temp, 'wx');
  } catch (err) {
    throw folderRefusal(dir, err);
  }
  try {
    let got: Downloaded;
    try {
      got = await download(http, item.url, out, {
        signal: o.signal,
        accept: accepts(item.kind),
        onProgress: (b, t) => o.onProgress?.(b, t, i),
        resumeDelayMs: o.resumeDelayMs,
      });
    } finally {
      await out.close();
    }
    const type = got.contentType?.split(';')[0]?.trim().toLowerCase();
    const ext = (type && EXT_BY_TYPE[type]) || item.ext;
    const placed = await place(dir, item.stem, ext, temp, got);
    return { ...placed, bytes: got.bytes, ...(type?.includes('/') && { mimeType: type }) };
  } catch (err) {
    await removeQuietly(temp);
    throw err;
  }
}

export type SaveOutcome = { item: SaveItem; saved: Saved } | { item: SaveItem; error: string };

/**
 * Saves each item in turn. The folder is made when missing; when it cannot be written, a
 * MediaFolderError is thrown and whatever this made is removed. One item failing does not stop the others.
 */
export async function saveMedia(
  dir: string,
  items: readonly SaveItem[],
  o: SaveOptions,
): Promise<SaveOutcome[]> {
  const undo = await ensureFolder(dir);
  const http = o.http ?? mediaHttp();
  const out: SaveOutcome[] = [];
  try {
    for (const [i, item] of items.entries()) {
      try {
        out.push({ item, saved: await saveOne(dir, item, http, o, i) });
      } catch (err) {
        if (o.signal.aborted || (err instanceof Error && err.name === 'MediaFolderError')) throw err;
        out.push({ item, error: err instanceof Error ? err.message : String(err) });
      }
    }
  } catch (err) {
    if (!out.some((r) => 'saved' in r)) await undo();
    throw err;
  } finally {
    if (!o.http) await http.close();
  }
  if (!out.some((r) => 'saved' in r)) await undo();
  return out;
}
