/**
 * The person's media folder and the names of the files saved into it. Names come from the project
 * (or a name the person gave), cleaned to letters, digits, `-` and `_`, so no name can hold a folder
 * separator, a drive, `..` or a character some file system refuses: nothing is written outside the folder.
 */
import { readFileSync, statSync } from 'node:fs';
import { mkdir, rm, rmdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { cleanText } from '../clean-text.js';

export const FOLDER_NAME = 'scene-projects';

const isDir = (p: string | undefined): p is string => {
  try {
    return !!p && statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** XDG_VIDEOS_DIR / XDG_DOWNLOAD_DIR, from the environment or ~/.config/user-dirs.dirs (Linux desktops). */
function xdgDir(name: 'VIDEOS' | 'DOWNLOAD', env: NodeJS.ProcessEnv, home: string): string | undefined {
  const key = `XDG_${name}_DIR`;
  let v = env[key];
  if (!v) {
    try {
      const file = join(env.XDG_CONFIG_HOME || join(home, '.config'), 'user-dirs.dirs');
      v = new RegExp(`^${key}="([^"]*)"`, 'm').exec(readFileSync(file, 'utf8'))?.[1];
    } catch {
      return undefined;
    }
  }
  if (!v) return undefined;
  v = v.replace(/^\$HOME(?=\/|$)/, home);
  // "$HOME" alone means the desktop has no such folder.
  return isAbsolute(v) && resolve(v) !== resolve(home) ? v : undefined;
}

/**
 * Where videos go when the person chose no folder: `scene-projects` in the platform's videos folder
 * (Movies on macOS), else in Downloads, whichever exists; the videos folder when neither does.
 */
export function defaultMediaDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  const videos =
    platform === 'darwin'
      ? join(home, 'Movies')
      : platform === 'win32'
        ? join(env.USERPROFILE || home, 'Videos')
        : (xdgDir('VIDEOS', env, home) ?? join(home, 'Videos'));
  const downloads =
    platform === 'win32'
      ? join(env.USERPROFILE || home, 'Downloads')
      : platform === 'darwin'
        ? join(home, 'Downloads')
        : (xdgDir('DOWNLOAD', env, home) ?? join(home, 'Downloads'));
  const parent = [videos, downloads].find(isDir) ?? videos;
  return join(parent, FOLDER_NAME);
}

/** `~` and relative paths, as a person types them, made absolute. */
export function expandDir(path: string, home: string = homedir()): string {
  const p = path.trim();
  if (p === '~') return home;
  if (p.startsWith('~/') || p.startsWith('~\\')) return resolve(home, p.slice(2));
  return resolve(p);
}

/** Words of `text` joined by `-`: letters and digits of any script, `-` and `_`; at most `max` characters. */
export function fileStem(text: unknown, max = 60): string {
  const words = cleanText(text, 400)
    .normalize('NFC')
    .replace(/[^\p{L}\p{M}\p{N}_-]+/gu, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  let out = '';
  for (const w of words) {
    const next = out ? `${out}-${w}` : w;
    if ([...next].length > max) break;
    out = next;
  }
  return out.replace(/^[-_]+|[-_]+$/g, '').replace(/-{2,}/g, '-');
}

/**
 * The stem for a name the person gave: a plain file name only (its extension dropped). A folder, a
 * drive, `..` or nothing usable is refused: the answer says why.
 */
export function givenStem(name: string): { stem: string } | { refused: string } {
  const raw = name.trim();
  if (/[/\\]/.test(raw) || /^[a-z]:/i.test(raw) || raw === '.' || raw === '..' || isAbsolute(raw)) {
    return { refused: 'must be a plain file name, without a folder or drive' };
  }
  const stem = fileStem(raw.replace(/\.[a-z0-9]{2,4}$/i, ''), 80);
  return stem ? { stem } : { refused: 'has no letter or digit to make a file name of' };
}

/** Throws unless `name` resolves to a file directly inside `dir`. The last line of defence. */
export function inside(dir: string, name: string): string {
  const target = resolve(dir, name);
  const rel = relative(resolve(dir), target);
  if (
    !rel ||
    rel.startsWith('..') ||
    isAbsolute(rel) ||
    rel.includes(sep) ||
    dirname(target) !== resolve(dir)
  ) {
    throw new Error(`refusing to write ${name} outside ${dir}`);
  }
  return target;
}

export class MediaFolderError extends Error {
  override name = 'MediaFolderError';
}

const WHY: Record<string, string> = {
  ENOTDIR: 'part of that path is a file, not a folder',
  EEXIST: 'a file of that name is in the way',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the disk is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
};

export function folderRefusal(dir: string, err: unknown): MediaFolderError {
  const code = (err as { code?: string }).code ?? '';
  const why = WHY[code] ?? (code || (err instanceof Error ? err.message : String(err)));
  return new MediaFolderError(
    `Cannot save into the media folder ${dir}: ${why}. Choose a folder you can write with --media-dir or ` +
      'TWIN_MEDIA_DIR (in Claude Desktop: the extension’s Media folder setting). Nothing was saved.',
  );
}

/**
 * Makes the folder (and missing parents). Returns a function that removes what this made, for a
 * refusal that must leave nothing behind; it removes only folders that are still empty.
 */
export async function ensureFolder(dir: string): Promise<() => Promise<void>> {
  let first: string | undefined;
  try {
    first = await mkdir(dir, { recursive: true });
  } catch (err) {
    throw folderRefusal(dir, err);
  }
  return async () => {
    if (!first) return;
    for (let d = resolve(dir); ; d = dirname(d)) {
      if (
        !(await rmdir(d).then(
          () => true,
          () => false,
        ))
      )
        return;
      if (d === resolve(first) || dirname(d) === d) return;
    }
  };
}

export const removeQuietly = (path: string) => rm(path, { force: true }).catch(() => {});
