import type Database from 'better-sqlite3'
import { v7 as uuidv7 } from 'uuid'

/** Workstation settings stored in the local database (key/value), with their defaults. */
export interface Settings {
  workstationId: string
  workstationName: string
  townName: string
  /** Idle delay before the screen locks back to the login screen. */
  idleLockSeconds: number
  /** Demo town: the login screen shows the demo agents' logins. */
  demo: boolean
}

const keys = {
  workstationId: 'workstation.id',
  workstationName: 'workstation.name',
  townName: 'town.name',
  idleLockSeconds: 'session.idle_lock_seconds',
  demo: 'demo',
} as const

export const DEFAULT_IDLE_LOCK_SECONDS = 300

export function getSetting(sqlite: Database.Database, key: string): string | undefined {
  const row = sqlite.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined
  return row?.value
}

export function setSetting(sqlite: Database.Database, key: string, value: string): void {
  sqlite
    .prepare('INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
    .run(key, value)
}

export function saveSettings(sqlite: Database.Database, patch: Partial<Settings>): void {
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) continue
    setSetting(sqlite, keys[name as keyof Settings], String(value))
  }
}

/** Reads the settings, creating the workstation's identity on first use. */
export function loadSettings(sqlite: Database.Database): Settings {
  let workstationId = getSetting(sqlite, keys.workstationId)
  if (!workstationId) {
    workstationId = uuidv7()
    setSetting(sqlite, keys.workstationId, workstationId)
  }
  const idle = Number(getSetting(sqlite, keys.idleLockSeconds))
  return {
    workstationId,
    workstationName: getSetting(sqlite, keys.workstationName) ?? 'Guichet 1',
    townName: getSetting(sqlite, keys.townName) ?? 'Carrières-sur-Seine',
    idleLockSeconds: Number.isInteger(idle) && idle > 0 ? idle : DEFAULT_IDLE_LOCK_SECONDS,
    demo: getSetting(sqlite, keys.demo) === 'true',
  }
}
