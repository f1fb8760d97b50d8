// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-*/**', '.data/**', '.cache/**', 'node_modules/**', 'coverage/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // recommendedTypeChecked has these; named here so a later preset change cannot drop them
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `const { secret: _secret, ...rest } = x` is how a key is left out of a copy
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // kafkajs ships types for its entry point only: its internal modules (the gateway's encoder
      // and the tests that compare against them) can be required and cast, not imported
      '@typescript-eslint/no-require-imports': [
        'error',
        { allow: ['^kafkajs/src/', '^kafkajs/package\\.json$'] },
      ],
    },
  },
  {
    // the web console runs in the browser (its own tsconfig: DOM, preact's JSX)
    files: ['apps/console/ui/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // the package is CommonJS and these run under plain node without a build: require is their import
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
