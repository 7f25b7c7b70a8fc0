/**
 * The one place that knows how a worker thread's script is found: the compiled `.js` next to the
 * module that starts it or, when sakari-sync runs from its TypeScript sources (vitest), the `.ts`
 * file with tsx's loader registered in the worker (tsx is a dev dependency: the published
 * package never takes that branch).
 */

/**
 * The script `name` (without extension) next to the module whose `import.meta.url` is `from`,
 * and the `execArgv` its worker needs.
 * @throws Error when running from sources without the `tsx` dev dependency.
 */
export function workerScript(name: string, from: string): { url: URL; execArgv?: string[] } {
  if (from.endsWith('.ts'))
    return { url: new URL(`./${name}.ts`, from), execArgv: ['--import', tsxRegistration()] };
  return { url: new URL(`./${name}.js`, from) };
}

/**
 * A module registering tsx's loader, for a worker's `--import`. tsx's public `register()` is
 * called rather than `--import tsx`, which on Node 20 registers itself on the main thread only;
 * tsx is found from this module rather than from the working directory.
 */
function tsxRegistration(): string {
  let api: string;
  try {
    api = import.meta.resolve('tsx/esm/api');
  } catch (error) {
    throw new Error(
      'running sakari-sync from its TypeScript sources needs the "tsx" dev dependency for its worker threads ' +
        '(or run the compiled dist/)',
      { cause: error },
    );
  }
  const source = `import { register } from ${JSON.stringify(api)}; register();`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}
