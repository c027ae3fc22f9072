/**
 * The user a run is recorded under (`mlflow.user`, `user_id`), one source for every run,
 * parent or child, on every tracker: MLflow's own rule (Python's `getpass.getuser()`), the
 * first of $LOGNAME, $USER, $LNAME, $USERNAME that is set, else the OS account name.
 */
import { userInfo } from 'node:os';

export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  for (const name of ['LOGNAME', 'USER', 'LNAME', 'USERNAME']) {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
  }
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}
