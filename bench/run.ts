/**
 * `npm run bench -- <name>`: benchmarks that print figures (a human line, then one JSON
 * object as the last line). They generate their own data sets under bench/.data.
 */
const benches: Record<string, () => Promise<void>> = {
  search: async () => (await import('./search')).runSearchBench(),
  sync: async () => (await import('./sync')).runSyncBench(),
  shell: async () => (await import('./shell')).runShellBench(),
  durability: async () => (await import('./durability')).runDurabilityBench(),
  storm: async () => (await import('./storm')).runStormBench(),
  credentials: async () => (await import('./credentials')).runCredentialsBench(),
  bookings: async () => (await import('./bookings')).runBookingsBench(),
  portal: async () => (await import('./scale')).runPortalScaleBench(),
  billing: async () => (await import('./billing')).runBillingBench(),
  twoddoc: async () => (await import('./twoddoc')).runTwoDDocBench(),
}

const name = process.argv[2]
const bench = name ? benches[name] : undefined
if (!bench) {
  console.error(`Usage : npm run bench -- <${Object.keys(benches).join('|')}>`)
  process.exit(2)
}
bench().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
