/**
 * `ablate sync [--spool DIR] [--tracking-uri URI] [--list]`: deliver what runs kept in the
 * local spool because their MLflow tracking server was down (runtime/tracking/spool-delivery.ts)
 * to that server — every metric step, param, tag and artifact once, the final status last.
 * Safe to repeat: values already on the server are not sent again.
 */
import { Command } from 'commander';
import { describeError } from '../describe-error.ts';

interface SyncOptions {
  spool: string;
  trackingUri?: string;
  list: boolean;
}

export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description('deliver runs kept in the local spool (tracking server was down) to their MLflow server')
    .option('--spool <dir>', 'the spool folder', './mlruns-spool')
    .option('--tracking-uri <uri>', 'only the runs spooled for this server (default: every server in the spool)')
    .option('--list', 'list the spooled runs, deliver nothing', false)
    .action(async (options: SyncOptions) => {
      const { listSpooledRuns, syncSpool, describeSyncOutcome } = await import('../../runtime/tracking/spool-delivery.ts');
      try {
        const wanted = options.trackingUri?.replace(/\/+$/, '');
        const runs = (await listSpooledRuns(options.spool)).filter((r) => wanted === undefined || r.remoteUri === wanted);
        if (runs.length === 0) {
          process.stdout.write(`nothing to deliver: no spooled run${wanted ? ` for ${wanted}` : ''} in ${options.spool}\n`);
          return;
        }
        if (options.list) {
          for (const r of runs) process.stdout.write(`${r.runId}  ${r.status.padEnd(8)}  ${r.remoteUri}  ${r.runName}\n`);
          return;
        }
        const outcomes = await syncSpool(options.spool, {
          ...(wanted !== undefined ? { remoteUri: wanted } : {}),
          onRun: (o) => ('error' in o ? process.stderr : process.stdout).write(`${describeSyncOutcome(o)}\n`),
        });
        const failed = outcomes.filter((o) => 'error' in o).length;
        if (failed > 0) {
          process.stderr.write(`${failed} of ${outcomes.length} run(s) not delivered; they stay in ${options.spool}. Run 'ablate sync' again when the server answers.\n`);
          process.exitCode = 1;
        }
      } catch (error) {
        process.stderr.write(`${describeError(error)}\n`);
        process.exitCode = 1;
      }
    });
}
