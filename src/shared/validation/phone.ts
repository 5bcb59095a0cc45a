import { parsePhoneNumberFromString } from 'libphonenumber-js'
import { z } from 'zod'
import { singleLine } from './text'

/**
 * Phone numbers, with libphonenumber-js (Google's libphonenumber metadata, maintained): stored in
 * E.164 ("+33612345678"), shown the French way ("06 12 34 56 78"; a foreign number in its
 * international form, "+44 20 7946 0958"). A number typed without a country is French.
 * "1-----", "0000000" or "0612" are not phone numbers.
 */

export const PHONE_MESSAGE = 'numéro de téléphone invalide (exemple : 06 12 34 56 78)'

/** The E.164 form of a typed number, or null when it is not a valid number. */
export function toE164(input: string): string | null {
  const parsed = parsePhoneNumberFromString(input, 'FR')
  return parsed?.isValid() ? parsed.number : null
}

/** A phone number as a person reads it: French numbers nationally, others internationally. Unparseable text is shown as stored. */
export function formatPhone(stored: string): string {
  const parsed = parsePhoneNumberFromString(stored, 'FR')
  if (!parsed?.isValid()) return stored
  return parsed.country === 'FR' ? parsed.formatNational() : parsed.formatInternational()
}

/** A typed phone number, stored in E.164; null/empty: none. */
export const PhoneNumber = singleLine({ max: 30 })
  .transform((s, ctx) => {
    const e164 = toE164(s)
    if (!e164) {
      ctx.addIssue({ code: 'custom', message: PHONE_MESSAGE })
      return z.NEVER
    }
    return e164
  })
