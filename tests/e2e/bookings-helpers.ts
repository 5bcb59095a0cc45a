import type { Page } from '@playwright/test'
import { expect } from './fixtures'

/** What the bookings specs share (bookings.spec.ts, bookings-grid.spec.ts). */

/** '2027-03-12' → '12/03/2027', as the list shows it. */
export function frenchDay(day: string): string {
  const [y, m, d] = day.split('-')
  return `${d}/${m}/${y}`
}

/** Opens the file of a family that has children (the search shows "aucun enfant" otherwise). */
export async function openFamilyWithChildren(page: Page, q = 'lefevre'): Promise<void> {
  await page.getByLabel('Rechercher une famille').fill(q)
  const option = page.getByRole('option').filter({ hasNotText: 'aucun enfant' }).first()
  await expect(option).toBeVisible()
  await option.click()
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  await expect(page.getByTestId('child').first()).toBeVisible()
}

/**
 * Opens the file of a demo family one of whose children is enrolled at the canteen (the month
 * grid shows the canteen row with its site) and returns that child's id. Demo children are
 * enrolled at ~85 %: the first families of a search are tried in turn.
 */
export async function openEnrolledFamily(page: Page, queries = ['lefevre', 'martin', 'bernard', 'petit', 'durand']): Promise<string> {
  for (const q of queries) {
    for (let i = 0; i < 6; i++) {
      await page.getByLabel('Rechercher une famille').fill(q)
      const options = page.getByRole('option').filter({ hasNotText: 'aucun enfant' })
      await expect(options.first()).toBeVisible()
      if (i >= (await options.count())) break
      await options.nth(i).click()
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
      await expect(page.getByTestId('month-grid')).toBeVisible()
      const enrolled = page.locator('tbody[data-testid="grid-child"]:has(tr[data-unit-id="cantine"][data-site-id])')
      if ((await enrolled.count()) > 0) return (await enrolled.first().getAttribute('data-child-id'))!
      await page.getByRole('button', { name: 'Retour à la recherche' }).click()
      await expect(page.getByLabel('Rechercher une famille')).toBeVisible()
    }
  }
  throw new Error('no demo family with a child enrolled at the canteen')
}

/** The canteen cell of a child on a day, in the month grid. */
export function canteenCell(page: Page, childId: string, day: string) {
  return page.locator(`tbody[data-child-id="${childId}"] tr[data-unit-id="cantine"] td[data-date="${day}"]`)
}

export const RESPONSABLE = { login: 'responsable', password: 'responsable-2026', displayName: 'Hélène Dubois-Lefort' }
