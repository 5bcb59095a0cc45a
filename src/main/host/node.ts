import { fork } from 'node:child_process'
import type { HostHandle } from './client'

export interface NodeHostOptions {
  /** The host's entry: out/main/host.js, or src/main/host/child.ts with execArgv ['--import', 'tsx']. */
  entry: string
  execArgv?: string[]
  env?: NodeJS.ProcessEnv
}

/** The web shell's core host: a Node child process with an IPC channel (structured clone). */
export function forkNodeHost(opts: NodeHostOptions): HostHandle {
  const child = fork(opts.entry, [], {
    execArgv: opts.execArgv ?? [],
    env: opts.env ?? process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  })
  let exited = false
  const exitListeners: Array<(code: number | null) => void> = []
  const onGone = (code: number | null) => {
    if (exited) return
    exited = true
    for (const listener of exitListeners) listener(code)
  }
  child.on('exit', (code) => onGone(code))
  child.on('error', () => {
    // Spawn failure (no exit event follows when the process never started).
    if (child.pid === undefined) onGone(null)
  })
  return {
    send(message) {
      if (!child.connected) throw new Error('core host disconnected')
      child.send(message)
    },
    onMessage(listener) {
      child.on('message', listener)
    },
    onExit(listener) {
      exitListeners.push(listener)
    },
    kill() {
      child.kill('SIGKILL')
    },
  }
}
