import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter'

/**
 * The list reporter shows a skipped test without its reason; this one prints each distinct
 * skip reason once, e.g. "Electron binary not installed on this machine: shell tests skipped".
 */
export default class SkipReasons implements Reporter {
  private readonly printed = new Set<string>()

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status !== 'skipped') return
    for (const a of [...result.annotations, ...test.annotations]) {
      if (a.type === 'skip' && a.description && !this.printed.has(a.description)) {
        this.printed.add(a.description)
        process.stdout.write(`${a.description}\n`)
      }
    }
  }

  onEnd(_result: FullResult): void {}

  printsToStdio(): boolean {
    return true
  }
}
