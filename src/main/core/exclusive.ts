/**
 * Runs async tasks one at a time, in call order. Every write transaction of the workstation
 * goes through one of these, so that a transaction never interleaves with another (the
 * agent's commands, journaled reads, and the sync engine's applies share one connection).
 * Rule: never await network or disk I/O inside a transaction.
 */
export type Exclusive = <T>(task: () => Promise<T> | T) => Promise<T>

export function createExclusive(): Exclusive {
  let tail: Promise<unknown> = Promise.resolve()
  return <T>(task: () => Promise<T> | T): Promise<T> => {
    const run = tail.then(task, task)
    tail = run.catch(() => undefined)
    return run
  }
}
