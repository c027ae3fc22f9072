/**
 * `ablate sync` as a user runs it: --list shows what waits, a server still down is reported
 * at once (exit 1, the spool kept), a server back gets everything (exit 0, the spool emptied),
 * and a second sync has nothing to do.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { registerSyncCommand } from '../../cli/commands/sync.ts';
import { FileStoreTracker } from '../../runtime/tracking/mlflow-filestore.ts';
import { RestTracker } from '../../runtime/tracking/rest-tracker.ts';
import { RunLogger } from '../../runtime/tracking/run-logger.ts';
import { serveFileStore } from '../tracking/filestore-backed-server.ts';
import { startTestServer } from '../tracking/mlflow-test-server.ts';
import { runCommands } from './run-command.ts';

const sync = (args: string[]) => runCommands([registerSyncCommand], ['sync', ...args]);

it('lists, refuses while the server is down, delivers once it is back, then has nothing to do', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ablate-sync-'));
  const spool = join(dir, 'spool');
  const store = new FileStoreTracker(join(dir, 'server'), { onWarning: () => {} });
  let server = await startTestServer();
  serveFileStore(server, store);
  const port = Number(new URL(server.url).port);
  const tracker = new RestTracker(server.url, { sleep: async () => {}, spoolUri: spool, onOutage: () => {}, onSpool: () => {}, onSpoolSummary: () => {} });
  const run = await RunLogger.start(tracker, { experimentName: 'e', runName: 'r' });
  await server.close();
  run.logMetrics({ 'train.loss.total': 0.5 }, 1);
  run.logMetrics({ 'train.loss.total': 0.25 }, 2);
  await run.finish();

  const listed = await sync(['--spool', spool, '--list']);
  expect([listed.exitCode, listed.stdout]).toEqual([0, `${run.runId}  FINISHED  ${server.url}  r\n`]);

  const down = await sync(['--spool', spool]);
  expect(down.exitCode).toBe(1);
  expect(down.stderr).toContain(`run ${run.runId} (r) → ${server.url}: not delivered, kept in the spool:`);
  expect(down.stderr).toContain(`1 of 1 run(s) not delivered; they stay in ${spool}. Run 'ablate sync' again when the server answers.`);

  server = await startTestServer([], port);
  serveFileStore(server, store);
  const up = await sync(['--spool', spool]);
  expect([up.exitCode, up.stdout]).toEqual([0, `run ${run.runId} (r) → ${server.url}: 2 metric value(s) sent, 0 param(s), 0 tag(s), 0 artifact(s); status FINISHED; removed from the spool\n`]);
  expect((await store.getMetricHistory(run.runId, 'train.loss.total')).map((m) => [m.step, m.value])).toEqual([[1, 0.5], [2, 0.25]]);
  expect((await store.getRun(run.runId)).info.status).toBe('FINISHED');

  const again = await sync(['--spool', spool]);
  expect([again.exitCode, again.stdout]).toEqual([0, `nothing to deliver: no spooled run in ${spool}\n`]);
  await server.close();
  await rm(dir, { recursive: true, force: true });
});
