import { closeLogCapture, openLogCapture } from './capture'

/**
 * playwright globalSetup: GUICHET_LOG_CAPTURE for the run (the workers, and the web shells and
 * portals they start, inherit it); the returned teardown checks the logs for seeded data and the
 * capture and temporary folders for every password handed out (./capture.ts).
 */
export default function globalSetup(): () => void {
  const capture = openLogCapture('e2e')
  return () => closeLogCapture(capture, { expectLogs: true, atRest: true })
}
