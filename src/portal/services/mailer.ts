/**
 * How the portal sends e-mail (today: only the « Mot de passe oublié » link, see
 * password-reset.ts and docs/credentials.md).
 *
 * The portal ships with a simulated mailer: messages are kept in memory (the last few, for the
 * tests and the demo) and one log line says that a message was "sent", without its recipient,
 * its text or anything secret. A town plugs its SMTP relay in behind the same interface
 * (StartPortalOptions.mailer): `send` hands the message over and resolves; delivery errors are
 * the caller's to log (never the message).
 */

export interface MailMessage {
  to: string
  subject: string
  /** Plain text body (French). May hold a secret link: never logged. */
  text: string
  /** What the message is for, in French, for the log line ("réinitialisation"). */
  purpose: string
}

export interface Mailer {
  send(message: MailMessage): Promise<void>
}

/** How many messages a simulated mailer keeps (the oldest go first). */
export const SIMULATED_MAILS_KEPT = 20

export class SimulatedMailer implements Mailer {
  private readonly kept: MailMessage[] = []

  constructor(
    private readonly opts: {
      /** Receives one line per message, without recipient, text or secret. */
      log?: (line: string) => void
      keep?: number
    } = {},
  ) {}

  async send(message: MailMessage): Promise<void> {
    // Synchronous up to here: a caller that does not await still finds the message kept.
    this.kept.push({ ...message })
    const keep = this.opts.keep ?? SIMULATED_MAILS_KEPT
    while (this.kept.length > keep) this.kept.shift()
    this.opts.log?.(`e-mail de ${message.purpose} simulé envoyé`)
  }

  /** The last messages "sent", oldest first (tests, demo). */
  messages(): readonly MailMessage[] {
    return [...this.kept]
  }

  clear(): void {
    this.kept.length = 0
  }
}

/** The last messages of a portal's mailer when it is the simulated one (tests), else []. */
export function simulatedMails(mailer: Mailer | undefined): readonly MailMessage[] {
  return mailer instanceof SimulatedMailer ? mailer.messages() : []
}
