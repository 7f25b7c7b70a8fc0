/**
 * Lets the phone worker run from the TypeScript sources (vitest, `tsx`), where Node itself
 * cannot load `.ts` files in a worker thread. Never used by the compiled package: `dist/` starts
 * `phone-worker.js` directly.
 *
 * The worker gets `--import` of a tiny module that registers Node module hooks: `.js` imports
 * from a `.ts` file resolve to the `.ts` file next to it, and `.ts` files are transpiled (types
 * stripped, no type check) with the `typescript` package of the project's devDependencies.
 */
import { createRequire } from 'node:module';

/**
 * The `execArgv` for a worker started from a `.ts` file.
 * @param fromUrl `import.meta.url` of a module inside the project, to find `typescript` from.
 * @throws Error when the `typescript` package cannot be found.
 */
export function typeScriptWorkerExecArgv(fromUrl: string): string[] {
  let typescriptPath: string;
  try {
    typescriptPath = createRequire(fromUrl).resolve('typescript');
  } catch (error) {
    throw new Error(
      'running sakari-sync from its TypeScript sources needs the "typescript" dev dependency for the phone workers ' +
        '(or use workers: 0, or run the compiled dist/)',
      { cause: error },
    );
  }
  const hooks = `
import { readFile, access } from 'node:fs/promises';
import { createRequire } from 'node:module';
const tsPath = ${JSON.stringify(typescriptPath)};
const ts = createRequire(tsPath)(tsPath);
const relative = /^\\.{1,2}\\//;
export async function resolve(specifier, context, next) {
  if (context.parentURL?.endsWith('.ts') && relative.test(specifier) && specifier.endsWith('.js')) {
    const candidate = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    try {
      await access(candidate);
      return { url: candidate.href, format: 'module', shortCircuit: true };
    } catch {}
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: url,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: true },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(toDataUrl(hooks))});`;
  return ['--import', toDataUrl(register)];
}

function toDataUrl(source: string): string {
  return `data:text/javascript,${encodeURIComponent(source)}`;
}
