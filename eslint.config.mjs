// ESLint for acr-guard: typescript-eslint's recommended rules plus the type-aware ones that catch
// real defects in async code (a promise nobody awaits, a promise where a value was meant).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.cache/**', '.azurite/**', '.local-registry/**', 'bin/**', 'scripts/**', '**/*.mjs', '**/*.js'] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ['**/*.ts', '**/*.mts'],
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        rules: {
            '@typescript-eslint/no-floating-promises': 'error',
            '@typescript-eslint/no-misused-promises': 'error',
            '@typescript-eslint/await-thenable': 'error',
            '@typescript-eslint/require-await': 'off',
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
        },
    },
    {
        // Tests read JSON answers and fixtures of many shapes; `any` there is a cast, not a type hole in the product.
        files: ['test/**/*.ts'],
        rules: { '@typescript-eslint/no-explicit-any': 'off' },
    },
);
