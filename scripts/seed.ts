// npm run seed -- --families N [--seed S] [--data-dir DIR]: see src/main/core/demo/cli.ts.
import { main } from '../src/main/core/demo/cli'

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
