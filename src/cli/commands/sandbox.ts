import type { CommandModule } from 'yargs';
import {
  PAGINATION_SHAPES,
  UPLOAD_ANSWER_SHAPES,
  type PaginationShape,
  type UploadAnswerShape,
} from '../../sandbox/answer-shape.js';
import { startSandbox } from '../../sandbox/index.js';
import { runInHarness } from '../harness.js';
import type { CliContext } from '../main.js';

interface SandboxArgs {
  host: string;
  port: number;
  rate?: number;
  burst?: number;
  'fail-rate'?: number;
  'drop-rate'?: number;
  'latency-ms'?: number;
  'token-ttl'?: number;
  blocked?: string[];
  'client-id': string;
  'client-secret': string;
  'data-file'?: string;
  seed?: number;
  'answer-shape': UploadAnswerShape;
  pagination: PaginationShape;
}

/** `sakari-sync sandbox`: the Sakari simulator as a standalone server, until Ctrl-C. */
export function sandboxCommand(context: CliContext): CommandModule<object, SandboxArgs> {
  return {
    command: 'sandbox',
    describe: 'run the embedded Sakari simulator (prints its base URL; Ctrl-C stops it)',
    builder: (y) =>
      y
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to bind' })
        .option('port', { type: 'number', default: 0, describe: 'port (0 = any free port)' })
        .option('rate', {
          type: 'number',
          describe: 'requests/s per account; above it: 429 with Retry-After',
        })
        .option('burst', { type: 'number', describe: 'requests allowed at once above the rate' })
        .option('fail-rate', { type: 'number', describe: 'share of API requests answered 500/503 (0..1)' })
        .option('drop-rate', {
          type: 'number',
          describe: 'share of API requests whose connection is dropped (0..1)',
        })
        .option('latency-ms', { type: 'number', describe: 'delay added to every answer' })
        .option('token-ttl', { type: 'number', describe: 'seconds an access token lives' })
        .option('blocked', { type: 'string', array: true, describe: 'E.164 numbers answered with CONT-010' })
        .option('client-id', { type: 'string', default: 'sandbox' })
        .option('client-secret', { type: 'string', default: 'sandbox' })
        .option('data-file', {
          type: 'string',
          describe: 'keep contacts in this SQLite file across restarts',
        })
        .option('seed', {
          type: 'number',
          describe: 'seed for the random faults (reproducible runs)',
        })
        .option('answer-shape', {
          choices: UPLOAD_ANSWER_SHAPES,
          default: 'full' as const,
          describe:
            'how a batch upload is answered (rows named, counts only, refusals without mobiles, {submitted})',
        })
        .option('pagination', {
          choices: PAGINATION_SHAPES,
          default: 'totalCount' as const,
          describe: 'the pagination object of a contacts listing',
        }) as never,
    handler: async (args) => {
      const harness = { args: { quiet: false }, secrets: [], onSignal: () => undefined };
      await runInHarness(context, harness, async ({ signal }) => {
        const sandbox = await startSandbox({
          host: args.host,
          port: args.port,
          rate: args.rate,
          burst: args.burst,
          failRate: args['fail-rate'],
          dropRate: args['drop-rate'],
          latencyMs: args['latency-ms'],
          tokenTtlSec: args['token-ttl'],
          blocked: args.blocked,
          clientId: args['client-id'],
          clientSecret: args['client-secret'],
          dataFile: args['data-file'],
          seed: args.seed,
          answerShape: args['answer-shape'],
          pagination: args.pagination,
        });
        context.output.stdout(`${sandbox.url}\n`);
        context.output.stderr(
          `Sakari sandbox listening on ${sandbox.url} (client id/secret: ${args['client-id']}/****). Ctrl-C to stop.\n`,
        );
        // Until SIGINT or SIGTERM.
        if (!signal.aborted)
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        await sandbox.close();
      });
      context.output.stderr('sandbox stopped\n');
    },
  };
}
