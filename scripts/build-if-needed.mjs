// Builds the app (electron-vite build) when out/ is missing or older than the sources.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname

function newestMtime(path) {
  if (!existsSync(path)) return 0
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  let newest = 0
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

export function buildIfNeeded() {
  const outputs = ['out/main/index.js', 'out/main/web.js', 'out/main/host.js', 'out/main/host-utility.js', 'out/main/portal.js', 'out/preload/index.js', 'out/renderer/index.html'].map((p) => join(root, p))
  const oldestOutput = Math.min(...outputs.map((p) => (existsSync(p) ? statSync(p).mtimeMs : 0)))
  const newestSource = Math.max(
    newestMtime(join(root, 'src')),
    newestMtime(join(root, 'electron.vite.config.ts')),
    newestMtime(join(root, 'package.json')),
  )
  if (oldestOutput > newestSource) return
  console.log('Construction de l’application (electron-vite build)…')
  const result = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  if (result.status !== 0) {
    console.error('La construction a échoué (voir ci-dessus).')
    process.exit(result.status ?? 1)
  }
}
