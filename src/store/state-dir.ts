/** Where the file store lives by default: the user's state directory, by the platform's convention. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_DIR = 'scene-projects-mcp';

/**
 * Linux and other Unix: `$XDG_STATE_HOME` (default `~/.local/state`); macOS: `~/Library/Application
 * Support`; Windows: `%LOCALAPPDATA%` (default `~\AppData\Local`). Each with `scene-projects-mcp`.
 */
export function defaultStateDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  const set = (v: string | undefined) => (v && v.trim() !== '' ? v : undefined);
  if (platform === 'win32') return join(set(env.LOCALAPPDATA) ?? join(home, 'AppData', 'Local'), APP_DIR);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_DIR);
  return join(set(env.XDG_STATE_HOME) ?? join(home, '.local', 'state'), APP_DIR);
}
