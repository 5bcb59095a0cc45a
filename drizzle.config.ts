import { defineConfig } from 'drizzle-kit'

// Migrations are generated here and shipped with the app (resources/ is copied as extraResources).
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/main/core/db/schema.ts',
  out: './resources/migrations',
})
