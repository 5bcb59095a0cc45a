import { homedir, platform } from 'node:os'
import { join, resolve } from 'node:path'

export const DATABASE_FILE = 'guichet.sqlite'

/**
 * The workstation's data folder: GUICHET_DATA_DIR when set, else the OS user-data folder
 * (the same folder Electron's app.getPath('userData') gives for "Guichet Famille").
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GUICHET_DATA_DIR) return resolve(env.GUICHET_DATA_DIR)
  const home = homedir()
  switch (platform()) {
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Guichet Famille')
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Guichet Famille')
    default:
      return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Guichet Famille')
  }
}

export function databaseFile(dataDir: string): string {
  return join(dataDir, DATABASE_FILE)
}
