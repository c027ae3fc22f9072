/** One user source for every run, parent or child, on every tracker: MLflow's getpass order. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { FileStoreTracker } from '../../runtime/tracking/mlflow-filestore.ts';
import { RunLogger } from '../../runtime/tracking/run-logger.ts';
import { currentUser } from '../../runtime/tracking/run-user.ts';

const saved = { ...process.env };
afterEach(() => {
  for (const k of ['LOGNAME', 'USER', 'LNAME', 'USERNAME']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

it('takes $LOGNAME, $USER, $LNAME, $USERNAME in that order, else the OS account', () => {
  expect(currentUser({ USER: 'bob', LOGNAME: 'alice' })).toBe('alice');
  expect(currentUser({ USER: 'bob', LOGNAME: '' })).toBe('bob');
  expect(currentUser({ USERNAME: 'carol' })).toBe('carol');
  expect(currentUser({})).toBe(userInfo().username);
});

it('parents and children record the same user', async () => {
  process.env['LOGNAME'] = 'alice';
  delete process.env['USER'];
  const dir = await mkdtemp(join(tmpdir(), 'ablate-user-'));
  const store = new FileStoreTracker(join(dir, 'mlruns'));
  const parent = await RunLogger.start(store, { experimentName: 'e', runName: 'sweep' });
  const child = await parent.startChild({ runName: 'tau=2' });
  const users = await Promise.all([parent, child].map(async (r) => {
    const run = await store.getRun(r.runId);
    return [run.info.userId, run.data.tags['mlflow.user']];
  }));
  expect(users).toEqual([['alice', 'alice'], ['alice', 'alice']]);
  await rm(dir, { recursive: true, force: true });
});
