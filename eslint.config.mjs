import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'

const nodeOnly = ['better-sqlite3', 'drizzle-orm', 'drizzle-orm/*', 'electron', 'fs', 'path', 'child_process', 'os', 'crypto', 'node:*', 'fastify', '@fastify/*']

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
    // The core runs under plain Node (tests, web shell): it never imports Electron.
    files: ['src/main/core/**', 'src/shared/**', 'src/portal/**'],
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
