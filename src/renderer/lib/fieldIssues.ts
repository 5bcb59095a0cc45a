import type { z } from 'zod'
import type { ContractError } from '@shared/contract'

/**
 * Errors at the field: the first message per top-level field, from the form's own zod check
 * (before sending) or from the core's INVALID_INPUT answer (after).
 */
export type FieldIssues = Record<string, string>

export function issuesOfZod(error: z.ZodError): FieldIssues {
  const out: FieldIssues = {}
  for (const i of error.issues) {
    const key = String(i.path[0] ?? '')
    out[key] ??= i.message
  }
  return out
}

export function issuesOfContract(error: ContractError | null): FieldIssues {
  const out: FieldIssues = {}
  if (error?.code !== 'INVALID_INPUT') return out
  for (const i of error.details?.issues ?? []) {
    const key = i.path.split('.')[0] ?? ''
    out[key] ??= i.message
  }
  return out
}
