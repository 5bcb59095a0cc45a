import Database from 'better-sqlite3'
import type { Page } from '@playwright/test'
import { databaseFile } from '../../src/main/core/paths'
import { expect, type WebShell } from './fixtures'

/** What the billing specs share (billing.spec.ts, billing-cash.spec.ts). */

export const REGIE = { login: 'regie', password: 'regie2026', displayName: 'Régis Lemaire' }
/** The demo counter family (docs/billing.md: « Lemercier », two open invoices payable at the counter), preferred when present. */
export const DOCUMENTED_CODE = '100001K'
export const FLOAT_CENTS = 15_000

export interface OpenFamily {
  id: string
  code: string
  numbers: string[]
  owed: number
}

/**
 * A demo family with exactly two invoices still wholly open and payable at the counter (not
 * under direct debit, no payment, no avoir), read from the web shell's own database (read-only).
 */
export function familyWithTwoOpenInvoices(shell: WebShell): OpenFamily | null {
  const db = new Database(databaseFile(shell.dataDir), { readonly: true, fileMustExist: true })
  try {
    const row = db
      .prepare(
        `WITH inv AS (
           SELECT i.id, i.family_id, i.number, i.total_cents,
                  i.total_cents
                  - coalesce((SELECT sum(a.amount_cents) FROM payment_allocations a JOIN payments p ON p.id = a.payment_id
                               WHERE a.invoice_id = i.id AND p.cancelled_at IS NULL), 0)
                  - coalesce((SELECT sum(av.total_cents) FROM invoices av WHERE av.corrects_invoice_id = i.id), 0) AS remaining
             FROM invoices i
            WHERE i.kind = 'facture' AND i.direct_debit = 0)
         SELECT f.id, f.code, group_concat(inv.number, ',') AS numbers, sum(inv.remaining) AS owed
           FROM families f JOIN inv ON inv.family_id = f.id
          WHERE f.merged_into IS NULL AND inv.remaining > 0
          GROUP BY f.id
         HAVING count(*) = 2 AND sum(inv.remaining) = sum(inv.total_cents)
          ORDER BY (f.code = ?) DESC, f.code
          LIMIT 1`,
      )
      .get(DOCUMENTED_CODE) as { id: string; code: string; numbers: string; owed: number } | undefined
    return row ? { id: row.id, code: row.code, numbers: row.numbers.split(',').sort(), owed: row.owed } : null
  } finally {
    db.close()
  }
}

/** The code of any family with an invoice (read-only look at the web shell's database). */
export function anyInvoicedFamily(shell: WebShell): string {
  const db = new Database(databaseFile(shell.dataDir), { readonly: true, fileMustExist: true })
  try {
    const row = db.prepare(`SELECT f.code FROM families f JOIN invoices i ON i.family_id = f.id WHERE f.merged_into IS NULL ORDER BY f.code LIMIT 1`).get() as { code: string } | undefined
    if (!row) throw new Error('no invoiced demo family')
    return row.code
  } finally {
    db.close()
  }
}

/** « 1 234,50 € » with any of the spaces Intl puts in, as a pattern (not the tail of a larger amount: 0,00 € is not found in 150,00 €). */
export function euros(cents: number): RegExp {
  const whole = Math.floor(cents / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, '\\s?')
  return new RegExp(`(?<!\\d\\s?)${whole},${String(cents % 100).padStart(2, '0')}\\s?€`)
}

export async function openCashDesk(page: Page): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name: 'Caisse' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Caisse' })).toBeVisible()
}

