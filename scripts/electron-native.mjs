#!/usr/bin/env node
// Builds the Electron-ABI copy of better-sqlite3 the Electron shell loads through
// better-sqlite3's `nativeBinding` option (ARCHITECTURE.md, "Two native builds"):
//   .electron-native/<electron version>/better_sqlite3.node
// node_modules/better-sqlite3 stays built for Node (the tests need it): the package is
// copied to a temporary folder and built there, first with prebuild-install for the
// Electron runtime, then with node-gyp against Electron's headers. Both need the network.
//
// Usage: node scripts/electron-native.mjs [--force] [--quiet] [--target=<electron version>]
// (--target defaults to node_modules/electron's version; scripts/start.mjs passes the
// version the binary itself reports.)
// Exit code 0 when the binding exists at the end, 1 otherwise (one line on stderr).
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { electronNativeBindingPath } from '../src/main/shell/native.mjs'
import { PROJECT_ROOT, electronPackageVersion } from './electron-binary.mjs'

const PREBUILD_TIMEOUT_MS = 5 * 60_000
const NODE_GYP_TIMEOUT_MS = 15 * 60_000

/** node-gyp: the project's own, else the one npm ships with. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(PROJECT_ROOT, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ]
  return candidates.find((c) => c && existsSync(c)) ?? null
}

/**
 * @param {string} label
 * @param {string[]} args arguments of `node`
 * @param {string} cwd
 * @param {number} timeout
 * @param {string[]} log
 */
function run(label, args, cwd, timeout, log) {
  const result = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] })
  log.push(`$ node ${args.join(' ')}`, result.stdout ?? '', result.stderr ?? '')
  if (result.error) log.push(`${label}: ${result.error.message}`)
  return result.status === 0 && !result.error
}

function main() {
  const argv = process.argv.slice(2)
  const force = argv.includes('--force')
  const quiet = argv.includes('--quiet')
  const targetArg = argv.find((a) => a.startsWith('--target='))
  const version = targetArg ? targetArg.slice('--target='.length).replace(/^v/, '') : electronPackageVersion()
  if (!version) {
    console.error('Module natif pour Electron : paquet electron absent de node_modules, rien à construire.')
    return 1
  }
  const target = electronNativeBindingPath(PROJECT_ROOT, version)
  if (existsSync(target) && !force) {
    if (!quiet) console.log(`Module natif better-sqlite3 pour Electron ${version} déjà présent : ${target}`)
    return 0
  }
  const arch = process.env.npm_config_arch || process.arch
  const work = mkdtempSync(join(tmpdir(), 'guichet-electron-native-'))
  const pkgDir = join(work, 'better-sqlite3')
  /** @type {string[]} */
  const log = []
  try {
    const source = join(PROJECT_ROOT, 'node_modules', 'better-sqlite3')
    // Everything but the Node-ABI build output.
    cpSync(source, pkgDir, { recursive: true, filter: (src) => src !== join(source, 'build') })
    const built = join(pkgDir, 'build', 'Release', 'better_sqlite3.node')

    const prebuildBin = join(PROJECT_ROOT, 'node_modules', 'prebuild-install', 'bin.js')
    let ok =
      existsSync(prebuildBin) &&
      run('prebuild-install', [prebuildBin, '--runtime', 'electron', '--target', version, '--arch', arch, '--verbose'], pkgDir, PREBUILD_TIMEOUT_MS, log) &&
      existsSync(built)

    if (!ok) {
      const nodeGyp = findNodeGyp()
      if (!nodeGyp) log.push('node-gyp introuvable')
      ok =
        nodeGyp !== null &&
        run(
          'node-gyp',
          [nodeGyp, 'rebuild', '--release', '--runtime=electron', `--target=${version}`, `--arch=${arch}`, '--dist-url=https://electronjs.org/headers'],
          pkgDir,
          NODE_GYP_TIMEOUT_MS,
          log,
        ) &&
        existsSync(built)
    }

    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(join(dirname(target), 'build.log'), `${log.join('\n')}\n`)
    if (!ok) {
      console.error(
        `Module natif better-sqlite3 pour Electron ${version} impossible à construire (prebuild-install puis node-gyp ont échoué, réseau indisponible ?) : voir ${join(dirname(target), 'build.log')}`,
      )
      return 1
    }
    copyFileSync(built, target)
    if (!quiet) console.log(`Module natif better-sqlite3 pour Electron ${version} construit : ${target}`)
    return 0
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

process.exitCode = main()
