import { defineConfig } from 'drizzle-kit'

// The portal's PostgreSQL migrations (PGlite or a real server): `npm run db:generate:portal`.
// They are applied at start by src/portal/db/client.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/portal/db/schema.ts',
  out: './resources/portal-migrations',
})
