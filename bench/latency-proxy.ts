import { createConnection, createServer, type Server, type Socket } from 'node:net'

/**
 * A TCP proxy that adds a fixed delay EACH WAY, as a database on another machine would: every
 * chunk read on one side is written to the other `delayMs` later, in order (a chunk never
 * overtakes an earlier one; a half-close is forwarded after the data before it). Used by
 * `npm run bench -- portal` between the portals and PostgreSQL.
 */

export interface LatencyProxy {
  /** The loopback port to connect to instead of the target's. */
  port: number
  /** Connections opened so far (for the bench's report). */
  connections(): number
  close(): Promise<void>
}

/** One direction of a connection: chunks queued with the instant they are due. */
function delayedPipe(from: Socket, to: Socket, delayMs: number): void {
  const queue: Array<{ due: number; chunk: Buffer | null }> = []
  let timer: NodeJS.Timeout | null = null
  const flush = () => {
    timer = null
    const now = performance.now()
    while (queue.length > 0 && queue[0]!.due <= now) {
      const { chunk } = queue.shift()!
      if (chunk === null) {
        to.end()
        return
      }
      if (!to.destroyed) to.write(chunk)
    }
    schedule()
  }
  const schedule = () => {
    if (timer !== null || queue.length === 0) return
    timer = setTimeout(flush, Math.max(0, queue[0]!.due - performance.now()))
  }
  from.on('data', (chunk: Buffer) => {
    queue.push({ due: performance.now() + delayMs, chunk })
    schedule()
  })
  from.on('end', () => {
    queue.push({ due: performance.now() + delayMs, chunk: null })
    schedule()
  })
  from.on('close', () => {
    // The other side goes when its data has been delivered (or at once if this side failed).
    if (queue.length === 0 && timer === null) to.end()
  })
}

export async function startLatencyProxy(target: { host: string; port: number }, delayMs: number): Promise<LatencyProxy> {
  const sockets = new Set<Socket>()
  let opened = 0
  const server: Server = createServer({ noDelay: true }, (client) => {
    opened++
    const upstream = createConnection({ host: target.host, port: target.port, noDelay: true })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    delayedPipe(client, upstream, delayMs)
    delayedPipe(upstream, client, delayMs)
  })
  await new Promise<void>((ok, ko) => {
    server.once('error', ko)
    server.listen(0, '127.0.0.1', () => ok())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('latency proxy: no port')
  return {
    port: address.port,
    connections: () => opened,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((ok) => server.close(() => ok()))
    },
  }
}

/**
 * `node --import tsx bench/latency-proxy.ts <host> <port> <delayMs>`: the proxy in a process of its
 * own (so that its timers are not held up by the bench's own work), printing its port.
 */
if (require.main === module) {
  const [host, port, delay] = process.argv.slice(2)
  void startLatencyProxy({ host: host ?? '127.0.0.1', port: Number(port) }, Number(delay ?? 2)).then((proxy) => {
    console.log(`port ${proxy.port}`)
    const stop = () => void proxy.close().finally(() => process.exit(0))
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  })
}
