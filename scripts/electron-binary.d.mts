export declare const PROJECT_ROOT: string
export declare const VERSION_TIMEOUT_MS: number
export type ElectronBinaryProbe = { ok: true; path: string; version: string } | { ok: false; reason: string }
export declare function electronPackageVersion(root?: string): string | null
export declare function locateElectronBinary(
  root?: string,
  env?: NodeJS.ProcessEnv,
): { ok: true; path: string } | { ok: false; reason: string }
export declare function electronExtraArgs(): string[]
export declare function probeElectronBinary(
  root?: string,
  options?: { timeoutMs?: number; env?: NodeJS.ProcessEnv },
): ElectronBinaryProbe
export declare function webFallbackMessage(reason: string): string
