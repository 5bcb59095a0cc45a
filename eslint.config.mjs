import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'
import { dirname, relative, resolve, sep } from 'node:path'

const nodeOnly = ['better-sqlite3', 'drizzle-orm', 'drizzle-orm/*', 'electron', 'fs', 'path', 'child_process', 'os', 'crypto', 'node:*', 'fastify', '@fastify/*']

/**
 * Which parts of src/ may not import which: the portal and the workstation stand alone (what
 * both need lives in src/common, or in src/shared when the renderer needs it too).
 */
const boundaries = [
  { from: 'src/portal', not: ['src/main'], why: 'the portal stands alone: move what both need to src/common' },
  { from: 'src/main', not: ['src/portal'], why: 'the workstation never loads the portal: start it as a process, share code through src/common' },
  { from: 'src/common', not: ['src/main', 'src/portal', 'src/renderer'], why: 'src/common is shared by the workstation and the portal' },
  { from: 'src/shared', not: ['src/main', 'src/portal', 'src/common', 'src/renderer'], why: 'src/shared is pure TypeScript used by every side' },
]

const root = import.meta.dirname
const toPosix = (p) => p.split(sep).join('/')

/** Resolves an import's source to a repository path (relative paths, @x/ aliases, src/…), or null for packages. */
function targetOf(filename, source) {
  if (source.startsWith('.')) return toPosix(relative(root, resolve(dirname(filename), source)))
  const alias = /^@(shared|main|portal|common|renderer)(\/.*)?$/.exec(source)
  if (alias) return `src/${alias[1]}${alias[2] ?? ''}`
  if (source.startsWith('src/') || source.startsWith('/')) return toPosix(source.startsWith('/') ? relative(root, source) : source)
  return null
}

const boundaryRule = {
  meta: { type: 'problem', schema: [], messages: { crossing: '{{from}} must not import {{to}} ("{{source}}"): {{why}}.' } },
  create(context) {
    const file = toPosix(relative(root, context.filename))
    const area = boundaries.find((b) => file.startsWith(`${b.from}/`))
    if (!area) return {}
    const check = (node) => {
      const source =
        node?.type === 'Literal' ? node.value : node?.type === 'TemplateLiteral' && node.expressions.length === 0 ? node.quasis[0].value.cooked : null
      if (typeof source !== 'string') return
      const target = targetOf(context.filename, source)
      const hit = target && area.not.find((t) => target === t || target.startsWith(`${t}/`))
      if (hit) context.report({ node, messageId: 'crossing', data: { from: area.from, to: hit, source, why: area.why } })
    }
    return {
      ImportDeclaration: (n) => check(n.source),
      ExportNamedDeclaration: (n) => n.source && check(n.source),
      ExportAllDeclaration: (n) => check(n.source),
      ImportExpression: (n) => check(n.source),
      TSImportType: (n) => check(n.argument?.type === 'TSLiteralType' ? n.argument.literal : n.source ?? n.argument),
      TSExternalModuleReference: (n) => check(n.expression),
      CallExpression: (n) => n.callee.type === 'Identifier' && n.callee.name === 'require' && check(n.arguments[0]),
    }
  },
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'resources/**', 'test-results/**', 'playwright-report/**', 'bench/.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  {
    // src/portal and src/main never import each other (see `boundaries` above).
    files: ['src/**/*.ts', 'src/**/*.vue'],
    plugins: { guichet: { rules: { boundaries: boundaryRule } } },
    rules: { 'guichet/boundaries': 'error' },
  },
  {
    // The core runs under plain Node (tests, web shell): it never imports Electron.
    files: ['src/main/core/**', 'src/shared/**', 'src/portal/**', 'src/common/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'The core must not import electron: it runs under plain Node.' }] }],
    },
  },
  {
    // The renderer talks to the core through the contract only.
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: nodeOnly, message: 'The renderer must not import Node, the database or electron: call the contract.' }] }],
    },
  },
  {
    // src/shared is used by the renderer too: keep it free of Node and the database.
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: nodeOnly, message: 'src/shared is pure TypeScript used by every side.' }] }],
    },
  },
)
