// Where the Electron shell finds its own (Electron-ABI) build of better-sqlite3.
// Plain JavaScript so that both src/main/index.ts (bundled by electron-vite) and
// scripts/electron-native.mjs (run by plain Node) share this one definition.
import { join } from 'node:path'

/** Folder under the app root holding one sub-folder per Electron version (git-ignored). */
export const ELECTRON_NATIVE_DIR = '.electron-native'
export const BETTER_SQLITE3_BINARY = 'better_sqlite3.node'

/**
 * @param {string} appRoot the project folder (app.getAppPath() when not packaged)
 * @param {string} electronVersion e.g. "41.7.1" (process.versions.electron)
 * @returns {string}
 */
export function electronNativeBindingPath(appRoot, electronVersion) {
  return join(appRoot, ELECTRON_NATIVE_DIR, electronVersion.replace(/^v/, ''), BETTER_SQLITE3_BINARY)
}
