import { FileTokenStore } from '../core/sync/token'
import { createHostServer } from './serve'

/**
 * The web shell's core host: a Node child process (child_process.fork with an IPC channel,
 * built as out/main/host.js). The web shell sends it the contract calls of its HTTP route.
 */
const server = createHostServer({
  send: (message) => {
    if (process.connected) process.send?.(message)
  },
  tokenStore: (config) => new FileTokenStore(config.dataDir, (line) => console.error(line)),
  exit: (code) => process.exit(code),
  log: (line) => console.error(line),
})
process.on('message', (message: unknown) => server.onParentMessage(message))
process.on('disconnect', () => server.onParentGone())
// The shell handles Ctrl-C: it asks this host to stop (a terminal sends SIGINT to the whole group).
process.on('SIGINT', () => undefined)
process.on('SIGTERM', () => server.onParentGone())
