import { z } from 'zod'
import { singleLine } from '../validation/text'

/**
 * The family search and the duplicate check (issue 8): schemas of `families.search` and
 * `families.findDuplicates`. Self-contained (re-exported by schemas.ts).
 */

export const SEARCH_PAGE = 20

export const SearchInputSchema = z.strictObject({
  q: singleLine({ max: 100, trim: false }),
  limit: z.number().int().min(1).max(50).optional(),
})

/** What the agent must see first about a family: shown as badges in the results and the file's header. */
export const FamilyAlertsSchema = z.object({
  /** People the family file forbids to pick up a child ("Prénom Nom"). */
  forbiddenPickUp: z.array(z.string()),
  /** Children with a PAI (health plan), by first names. */
  pai: z.array(z.string()),
  /** The parents are separated and a custody ruling applies (families.separated_parents). */
  custody: z.boolean(),
})
export type FamilyAlerts = z.infer<typeof FamilyAlertsSchema>

export const FamilySummarySchema = z.object({
  id: z.uuid(),
  code: z.string(),
  name: z.string(),
  guardians: z.array(z.string()),
  children: z.array(z.string()),
  city: z.string(),
  alerts: FamilyAlertsSchema,
})
export type FamilySummary = z.infer<typeof FamilySummarySchema>

export const FamilySearchResultSchema = FamilySummarySchema.extend({
  /** Why the family matched, in French ("via le contact Jean-Baptiste Fabre (nounou)", "code famille"…). */
  why: z.array(z.string()),
  /** Found by the second pass (phonetic key or typo), ranked after the exact matches. */
  approx: z.boolean(),
})
export type FamilySearchResult = z.infer<typeof FamilySearchResultSchema>

export const SearchOutputSchema = z.object({
  results: z.array(FamilySearchResultSchema),
  /** How many families match in all (the results are the first `limit` of them). */
  total: z.number().int().nonnegative(),
})
export type SearchOutput = z.infer<typeof SearchOutputSchema>

/** A name field as it is being typed (may be empty). */
const typed = singleLine({ max: 100 })
/** A day as it is being typed: only a full YYYY-MM-DD is used. */
const typedDay = z.string().max(10)

export const DuplicateDraftSchema = z.strictObject({
  guardians: z
    .array(
      z.strictObject({
        lastName: typed.optional(),
        firstNames: typed.optional(),
        birthName: typed.optional(),
        phone: singleLine({ max: 40 }).optional(),
        email: singleLine({ max: 254 }).optional(),
      }),
    )
    .max(4),
  children: z
    .array(z.strictObject({ lastName: typed.optional(), firstNames: typed.optional(), birthDate: typedDay.optional() }))
    .max(12),
  /** The family being edited, never its own duplicate. */
  excludeFamilyId: z.uuid().optional(),
})
export type DuplicateDraft = z.infer<typeof DuplicateDraftSchema>

export const DuplicateCandidateSchema = z.object({
  family: FamilySummarySchema,
  /** Strength of the match (higher first); only the order matters. */
  score: z.number().int(),
  /** Why, strongest first, in French ("même enfant : Léa Lefèvre née le 03/05/2019", "même téléphone", "nom proche : Lefebvre / Lefèvre"). */
  reasons: z.array(z.string()),
})
export type DuplicateCandidate = z.infer<typeof DuplicateCandidateSchema>

export const DuplicatesOutputSchema = z.object({ candidates: z.array(DuplicateCandidateSchema) })
