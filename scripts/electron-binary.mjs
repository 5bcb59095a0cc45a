// Can an Electron binary run on this machine? Shared by scripts/start.mjs and the
// Playwright Electron tests (tests/electron). Never downloads anything: node_modules/electron
// has its install script denied (package.json "allowScripts"), and require('electron')
// from Node would try to download, so this module reads path.txt itself.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const VERSION_TIMEOUT_MS = 20_000

/** @param {string} [root] */
export function electronPackageVersion(root = PROJECT_ROOT) {
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8'))
    return typeof pkg.version === 'string' ? pkg.version : null
  } catch {
    return null
  }
}

/** @param {string} path */
function isFile(path) {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/**
 * Where node_modules/electron says its binary is, without running it: path.txt (written by
 * electron's own installer) names it relative to node_modules/electron/dist, exactly as
 * node_modules/electron/index.js reads it, including its ELECTRON_OVERRIDE_DIST_PATH.
 * @param {string} [root]
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ ok: true, path: string } | { ok: false, reason: string }}
 */
export function locateElectronBinary(root = PROJECT_ROOT, env = process.env) {
  const pkgDir = join(root, 'node_modules', 'electron')
  if (!existsSync(join(pkgDir, 'package.json'))) return { ok: false, reason: 'paquet electron absent' }
  const pathFile = join(pkgDir, 'path.txt')
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : ''
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const binary = join(env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron')
    return isFile(binary) ? { ok: true, path: binary } : { ok: false, reason: 'binaire absent' }
  }
  if (!relative) return { ok: false, reason: 'binaire absent' }
  const distDir = join(pkgDir, 'dist')
  const binary = resolve(distDir, relative)
  if (!binary.startsWith(distDir + sep) || !isFile(binary)) return { ok: false, reason: 'binaire absent' }
  return { ok: true, path: binary }
}

/**
 * Chromium refuses to start as root with its sandbox on (Linux containers, CI): only then
 * is `--no-sandbox` added. A counter workstation never runs the app as root.
 * @returns {string[]}
 */
export function electronExtraArgs() {
  return process.platform === 'linux' && process.getuid?.() === 0 ? ['--no-sandbox'] : []
}

/**
 * Locates the binary and runs `<binary> --version` (20 s at most).
 * @param {string} [root]
 * @param {{ timeoutMs?: number, env?: NodeJS.ProcessEnv }} [options]
 * @returns {{ ok: true, path: string, version: string } | { ok: false, reason: string }}
 */
export function probeElectronBinary(root = PROJECT_ROOT, options = {}) {
  const located = locateElectronBinary(root, options.env)
  if (!located.ok) return located
  const env = { ...(options.env ?? process.env) }
  delete env.ELECTRON_RUN_AS_NODE
  const run = spawnSync(located.path, ['--version', ...electronExtraArgs()], {
    env,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? VERSION_TIMEOUT_MS,
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  })
  if (run.error || run.status !== 0) return { ok: false, reason: 'binaire présent mais inutilisable' }
  const version = run.stdout.trim().replace(/^v/, '')
  if (!/^\d+\.\d+\.\d+/.test(version)) return { ok: false, reason: 'binaire présent mais inutilisable' }
  return { ok: true, path: located.path, version }
}

/** @param {string} reason */
export function webFallbackMessage(reason) {
  return `Electron ne peut pas démarrer sur cette machine (${reason}) : démarrage du shell web à la place (npm run start:web).`
}
