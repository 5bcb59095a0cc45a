#!/usr/bin/env node
// npm start: the Electron shell when an Electron binary can run here, else the web shell.
//
// 1. node_modules/electron/path.txt must name an existing binary that answers --version.
//    electron's install script is denied in package.json "allowScripts" (so `npm install`
//    works without network access); when the binary is missing, npm start tries that download
//    once (it fails at once where there is no network, and unless ELECTRON_SKIP_BINARY_DOWNLOAD
//    is set). Still no binary: one line, then `node scripts/start-web.mjs`.
// 2. The Electron-ABI build of better-sqlite3 (.electron-native/<version>/) must exist or be
//    buildable (scripts/electron-native.mjs). Otherwise: the same one-line fallback.
// 3. `electron-vite build` when out/ is missing or older than src/ (scripts/build-if-needed.mjs,
//    shared with the web shell).
// 4. The Electron binary on the project folder. Exit codes and SIGINT/SIGTERM are forwarded.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { electronNativeBindingPath } from '../src/main/shell/native.mjs'
import { buildIfNeeded } from './build-if-needed.mjs'
import { PROJECT_ROOT, electronExtraArgs, probeElectronBinary, webFallbackMessage } from './electron-binary.mjs'

const root = PROJECT_ROOT
const passThrough = process.argv.slice(2)

/**
 * Runs a child with inherited stdio until it ends, forwarding SIGINT/SIGTERM/SIGHUP to it,
 * then ends this process the same way (exit code, or the same signal).
 * @param {string} command
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} [env]
 */
function runForwarding(command, args, env = process.env) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', env })
  /** @type {NodeJS.Signals[]} */
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP']
  /** @type {Map<NodeJS.Signals, () => void>} */
  const forwarders = new Map()
  for (const signal of signals) {
    const forward = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    }
    forwarders.set(signal, forward)
    process.on(signal, forward)
  }
  child.on('error', (error) => {
    console.error(`Impossible de lancer ${command} : ${error.message}`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => {
    for (const [name, forward] of forwarders) process.off(name, forward)
    if (signal) {
      process.kill(process.pid, signal)
      return
    }
    process.exit(code ?? 1)
  })
}

/** @param {string} reason */
function startWebShell(reason) {
  console.log(webFallbackMessage(reason))
  const webScript = join(root, 'scripts', 'start-web.mjs')
  if (!existsSync(webScript)) {
    console.error('Le shell web est absent (scripts/start-web.mjs).')
    process.exit(1)
  }
  runForwarding(process.execPath, [webScript, ...passThrough])
}

/** Electron's own download of its binary (skipped by ELECTRON_SKIP_BINARY_DOWNLOAD). */
function tryElectronDownload() {
  const installer = join(root, 'node_modules', 'electron', 'install.js')
  if (!existsSync(installer) || process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return
  spawnSync(process.execPath, [installer], { cwd: join(root, 'node_modules', 'electron'), stdio: 'ignore', timeout: 300_000 })
}

function main() {
  let probe = probeElectronBinary(root)
  if (!probe.ok) {
    tryElectronDownload()
    probe = probeElectronBinary(root)
  }
  if (!probe.ok) return startWebShell(probe.reason)

  const binding = electronNativeBindingPath(root, probe.version)
  if (!existsSync(binding)) {
    console.log(`Construction du module natif better-sqlite3 pour Electron ${probe.version}…`)
    const native = spawnSync(process.execPath, [join(root, 'scripts', 'electron-native.mjs'), '--quiet', `--target=${probe.version}`], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'ignore'],
    })
    if (native.status !== 0 || !existsSync(binding)) {
      return startWebShell(`module natif better-sqlite3 pour Electron ${probe.version} impossible à construire`)
    }
  }

  // electron-vite build when out/ is missing or older than the sources (exits on failure).
  buildIfNeeded()

  const env = { ...process.env }
  delete env.ELECTRON_RUN_AS_NODE
  runForwarding(probe.path, [...electronExtraArgs(), '.', ...passThrough], env)
}

main()
