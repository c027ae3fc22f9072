/**
 * Typed errors of the tracking layer.
 *
 * `code` uses MLflow's own error codes (`INVALID_PARAMETER_VALUE`, `RESOURCE_DOES_NOT_EXIST`,
 * `RESOURCE_ALREADY_EXISTS`, `INTERNAL_ERROR`, ...) so that a FileStore error and the same
 * error from a tracking server can be handled by one `catch`.
 */
export class TrackingError extends Error {
  override name = 'TrackingError';
  /** MLflow error code, e.g. `INVALID_PARAMETER_VALUE`. */
  readonly code: string;
  /** A short suggestion for the user, when one helps. */
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }
}

/** An error answer of an MLflow tracking server (`{"error_code", "message"}` and an HTTP status). */
export class MlflowRestError extends TrackingError {
  override name = 'MlflowRestError';
  /** The server's `error_code` (same value as `code`). */
  readonly errorCode: string;
  /** HTTP status of the answer, e.g. 400 or 404. */
  readonly status: number;
  /** `METHOD /path` of the failed request. */
  readonly endpoint: string;

  constructor(errorCode: string, message: string, status: number, endpoint: string, hint?: string) {
    super(errorCode, `${endpoint} → ${status} ${errorCode}: ${message}`, hint === undefined ? {} : { hint });
    this.errorCode = errorCode;
    this.status = status;
    this.endpoint = endpoint;
    this.serverMessage = message;
  }

  /** The server's `message`, without the endpoint prefix. */
  readonly serverMessage: string;
}

/** The tracking server could not be reached (connection error, timeout or 5xx) after all retries. */
export class MlflowUnreachableError extends TrackingError {
  override name = 'MlflowUnreachableError';
  readonly endpoint: string;
  readonly attempts: number;
  /** HTTP status of the last answer when the server answered with 5xx; undefined for connection errors. */
  readonly lastStatus: number | undefined;

  constructor(endpoint: string, attempts: number, lastStatus: number | undefined, cause: unknown) {
    const what = lastStatus === undefined ? describeCause(cause) : `HTTP ${lastStatus}`;
    super('UNREACHABLE', `${endpoint} failed after ${attempts} attempt(s): ${what}`, {
      hint: 'Check that the MLflow server is running and that MLFLOW_TRACKING_URI points at it.',
      cause,
    });
    this.endpoint = endpoint;
    this.attempts = attempts;
    this.lastStatus = lastStatus;
  }
}

/** MLFLOW_TRACKING_URI names a store this project cannot write to. */
export class UnsupportedTrackingUriError extends TrackingError {
  override name = 'UnsupportedTrackingUriError';
  constructor(uri: string) {
    super('INVALID_PARAMETER_VALUE', `Unsupported tracking URI '${uri}'`, {
      hint: "Use a folder ('./mlruns'), a file: URI ('file:///abs/mlruns') or an http(s):// tracking server.",
    });
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as Error & { cause?: unknown }).cause;
    const code = inner && typeof inner === 'object' && 'code' in inner ? ` (${String((inner as { code: unknown }).code)})` : '';
    return `${cause.message}${code}`;
  }
  return String(cause);
}

/** True for a tracking server that cannot be reached or answers 5xx (an outage, not a refusal). */
export function isServerOutage(e: unknown): boolean {
  return e instanceof MlflowUnreachableError || (e instanceof MlflowRestError && e.status >= 500);
}
