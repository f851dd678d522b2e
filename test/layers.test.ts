import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layer rules live in eslint.config.js and run in `npm test` through `npm run lint`.
// This test proves they bite: it lints synthetic files placed in each layer.
describe('import-direction rules', () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const lint = async (file: string, code: string): Promise<string[]> => {
    const [result] = await eslint.lintText(code, { filePath: file });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };

  it.each([
    ['src/emulators/gen1/x.ts', "import { StorageError } from '../../core/errors.js';\nvoid StorageError;\n"],
    ['src/emulators/gen2/x.ts', "import { openStore } from '../../stores/open-store.js';\nvoid openStore;\n"],
    ['src/core/x.ts', "import { openStore } from '../stores/open-store.js';\nvoid openStore;\n"],
    ['src/stores/gen1/x.ts', "import { startGen1Emulator } from '../../emulators/gen1/index.js';\nvoid startGen1Emulator;\n"],
    ['src/engine/x.ts', "import { runCli } from '../cli/main.js';\nvoid runCli;\n"],
    ['src/gateway/x.ts', "import { checkBearer } from '../emulators/kit/jwt.js';\nvoid checkBearer;\n"],
    ['src/gateway/x.test.ts', "import { startGen2Emulator } from '../emulators/gen2/index.js';\nvoid startGen2Emulator;\n"],
    ['src/emulators/gen1/x.ts', "import { authenticate } from '../../gateway/auth.js';\nvoid authenticate;\n"],
  ])('refuses a forbidden import in %s', async (file, code) => {
    expect(await lint(file, code)).not.toEqual([]);
  });

  it('allows imports that point down', async () => {
    expect(await lint('src/stores/gen1/x.ts', "import { StorageError } from '../../core/errors.js';\nvoid StorageError;\n")).toEqual([]);
    expect(await lint('src/emulators/gen1/x.ts', "import { listen } from '../kit/server.js';\nvoid listen;\n")).toEqual([]);
    expect(await lint('src/gateway/x.ts', "import { openStore } from '../stores/open-store.js';\nvoid openStore;\n")).toEqual([]);
  });
});
