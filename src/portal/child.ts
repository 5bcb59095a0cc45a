import { startPortal, type RunningPortal, type StartPortalOptions } from './index'
import { safeErrorMessage } from '../common/redact'

/**
 * The embedded demo portal as a child process (built as out/main/portal.js): the shells'
 * core host forks it with an IPC channel, so that PGlite, Fastify and the snapshot builds run
 * on their own event loop. Messages (structured clone):
 *
 *   parent → child  {type:'start', dataDir, port, host, migrationsFolder?}
 *                   {type:'call', id, op:'createEnrolmentCode', args:{name}}
 *                   {type:'call', id, op:'seedDemo', args:{families, seed}}
 *                   {type:'close'}
 *   child → parent  {type:'ready', url} | {type:'failed', message}
 *                   {type:'result', id, ok:true, value} | {type:'result', id, ok:false, message}
 *
 * The child closes the portal and exits on {type:'close'}, SIGTERM, or when its parent goes away
 * (SIGINT is left to the parent, which asks for the close in its own order).
 */

type Msg = Record<string, unknown>

const send = (msg: Msg): void => {
  if (process.connected) process.send?.(msg)
}

/** An error for the parent's log: class-based and scrubbed of what looks like data (src/common/redact.ts). */
function text(error: unknown): string {
  return safeErrorMessage(error)
}

let portal: RunningPortal | null = null
let starting: Promise<RunningPortal> | null = null
let exiting = false

async function exit(code: number): Promise<void> {
  if (exiting) return
  exiting = true
  try {
    const running = portal ?? (await starting?.catch(() => null))
    await running?.close()
  } catch (error) {
    console.error(`[portail] arrêt : ${text(error)}`)
  }
  process.exit(code)
}

async function call(op: unknown, args: unknown): Promise<unknown> {
  const running = portal ?? (await starting)
  if (!running) throw new Error('portal not started')
  const a = (typeof args === 'object' && args !== null ? args : {}) as Msg
  if (op === 'createEnrolmentCode' && typeof a.name === 'string') return running.createEnrolmentCode(a.name)
  if (op === 'seedDemo' && typeof a.families === 'number' && Number.isInteger(a.families) && a.families > 0) {
    // The workstation's demo: with its billing (two months invoiced, a family to take a payment from).
    const result = await running.seedDemo({ families: a.families, ...(typeof a.seed === 'number' ? { seed: a.seed } : {}), billing: true })
    return { ...result }
  }
  throw new Error(`unknown portal operation ${String(op)}`)
}

process.on('message', (raw: unknown) => {
  if (typeof raw !== 'object' || raw === null) return
  const msg = raw as Msg
  if (msg.type === 'start' && !starting && typeof msg.dataDir === 'string') {
    const options: StartPortalOptions = {
      dataDir: msg.dataDir,
      port: typeof msg.port === 'number' ? msg.port : 0,
      host: typeof msg.host === 'string' ? msg.host : '127.0.0.1',
      ...(typeof msg.migrationsFolder === 'string' ? { migrationsFolder: msg.migrationsFolder } : {}),
      // The demo portal: online payment through the simulated provider (no bank, no card).
      payments: 'simulated',
    }
    starting = startPortal(options)
    starting.then(
      (running) => {
        portal = running
        send({ type: 'ready', url: running.url })
      },
      (error: unknown) => {
        send({ type: 'failed', message: text(error) })
        process.exit(1)
      },
    )
  } else if (msg.type === 'call' && typeof msg.id === 'number') {
    const id = msg.id
    call(msg.op, msg.args).then(
      (value) => send({ type: 'result', id, ok: true, value }),
      (error: unknown) => send({ type: 'result', id, ok: false, message: text(error) }),
    )
  } else if (msg.type === 'close') {
    void exit(0)
  }
})

// The parent (the core host) went away: nobody will ask us to close.
process.on('disconnect', () => void exit(0))
process.on('SIGTERM', () => void exit(0))
// Ctrl-C in a terminal reaches the whole process group: the parent decides when we close.
process.on('SIGINT', () => undefined)
