/** Tag names MLflow itself gives meaning to (shown specially by `mlflow ui`). */
export const MLFLOW_RUN_NAME_TAG = 'mlflow.runName';
export const MLFLOW_PARENT_RUN_ID_TAG = 'mlflow.parentRunId';
export const MLFLOW_USER_TAG = 'mlflow.user';
export const MLFLOW_SOURCE_NAME_TAG = 'mlflow.source.name';
export const MLFLOW_SOURCE_TYPE_TAG = 'mlflow.source.type';
export const MLFLOW_GIT_COMMIT_TAG = 'mlflow.source.git.commit';
