import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import keywarden from './eslint-rules/layers.js';

export default tseslint.config(
  { ignores: ['dist/**', '.serverless/**', '.keywarden/**', 'node_modules/**', 'coverage/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  { files: ['shared/**/*.ts', 'functions/**/*.ts', 'cli/**/*.ts'], plugins: { keywarden }, rules: { 'keywarden/layers': 'error' } },
  { files: ['cli/**', 'bench/**', 'scripts/**', 'bin/**', 'test/**'], rules: { 'no-console': 'off' } },
);
