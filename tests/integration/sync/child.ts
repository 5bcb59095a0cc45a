import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'

/**
 * Child processes for the crash tests: a fixture run with `node --import tsx`, read line by
 * line, killed with SIGKILL by the parent; and a seeded PRNG so that a failing schedule of
 * kills can be replayed.
 */

const ROOT = resolve(__dirname, '../../..')

export interface ChildRun {
  child: ChildProcess
  /** Every stdout line so far. */
  lines: string[]
  /** stdout and stderr together (for failure messages). */
  output(): string
  /** Resolves when the process exited: its code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  kill(): void
}

/** Starts `fixture` and calls `onLine` for every stdout line as it arrives. */
export function runFixture(fixture: string, env: Record<string, string>, onLine: (line: string, run: ChildRun) => void = () => {}): ChildRun {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let partial = ''
  const lines: string[] = []
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit, reject) => {
    child.on('error', reject)
    child.on('exit', (code, signal) => resolveExit({ code, signal }))
  })
  const run: ChildRun = {
    child,
    lines,
    output: () => out,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
  }
  child.stdout!.on('data', (d: Buffer) => {
    const text = d.toString()
    out += text
    partial += text
    const parts = partial.split('\n')
    partial = parts.pop()!
    for (const line of parts) {
      lines.push(line)
      onLine(line, run)
    }
  })
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  return run
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The seed of a randomised test: `name` from the environment (replay), else a fresh one. Printed either way. */
export function testSeed(name: string, label: string): number {
  const raw = process.env[name]
  const seed = raw !== undefined && raw !== '' ? Number(raw) : Math.floor(Math.random() * 2 ** 31)
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${name} must be a non-negative integer, got « ${raw} »`)
  console.log(`${label}: seed ${seed} (replay with ${name}=${seed})`)
  return seed
}
