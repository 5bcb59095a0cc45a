/** Typed error codes shared by the core, the shells and the renderer. */
export const errorCodes = [
  'INVALID_INPUT',
  'UNKNOWN_ENDPOINT',
  'NOT_AUTHENTICATED',
  'SESSION_LOCKED',
  'FORBIDDEN',
  'BAD_CREDENTIALS',
  'LOGIN_THROTTLED',
  'NOT_FOUND',
  'RULE_REJECTED',
  'NOT_ENROLLED',
  'PORTAL_UNREACHABLE',
  'TRANSPORT',
  'INTERNAL',
  /** A shell function this shell does not have (silent printing in the web shell). */
  'UNAVAILABLE',
] as const

export type ErrorCode = (typeof errorCodes)[number]

export interface InputIssue {
  path: string
  message: string
}

export interface ContractError {
  code: ErrorCode
  /** Technical message for logs; the renderer shows its own French text for the code. */
  message: string
  details?: {
    retryAfterSeconds?: number
    issues?: InputIssue[]
    /** RULE_REJECTED: the rule's code (FULL, ALREADY_BOOKED…) and its French reason. */
    rule?: string
    reason?: string
    /** TRANSPORT: the core host is starting, restarting after a crash, or stopped. */
    host?: 'starting' | 'restarting' | 'stopped'
  }
}

export type Result<T> = { ok: true; data: T } | { ok: false; error: ContractError }

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ContractError['details'],
  ) {
    super(message)
    this.name = 'DomainError'
  }
}

export function isContractError(value: unknown): value is ContractError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    (errorCodes as readonly string[]).includes((value as { code: string }).code)
  )
}
