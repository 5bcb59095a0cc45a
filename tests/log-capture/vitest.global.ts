import { closeLogCapture, openLogCapture } from './capture'

/** vitest globalSetup: the run's logs are captured, then checked for seeded data (./capture.ts). */
export default function setup(): () => void {
  const capture = openLogCapture('vitest')
  return () => closeLogCapture(capture)
}
