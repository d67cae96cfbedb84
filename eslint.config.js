// Lint rules that guard the house rules: no `any`, no code generation, no ambient randomness,
// and no Node modules outside src/node.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const banned = [
  { selector: "CallExpression[callee.name='eval']", message: 'eval is banned: it breaks CSP and embedded hosts.' },
  { selector: "NewExpression[callee.name='Function']", message: 'new Function is banned: it breaks CSP and embedded hosts.' },
  { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'Math.random is banned: use explicit keys from src/random.ts.' },
  { selector: "Identifier[name='SharedArrayBuffer']", message: 'SharedArrayBuffer is not available on every runtime.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', ...banned],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/node/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads'] }],
      'no-restricted-syntax': ['error', ...banned,
        { selector: "Identifier[name='BigInt']", message: 'BigInt is not available on every embedded runtime.' },
        { selector: 'BigIntLiteral', message: 'BigInt is not available on every embedded runtime.' }],
    },
  },
);
