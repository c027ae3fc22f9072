/**
 * A real LSP client for the tests: spawns `node cli/bin.js lsp --stdio` and talks
 * JSON-RPC to it over its stdin/stdout (vscode-languageserver-protocol), collecting the
 * diagnostics it publishes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type ProtocolConnection, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';

export const repoRoot = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');
export const uriOf = (path: string) => pathToFileURL(path).href;

export class LspClient {
  readonly connection: ProtocolConnection;
  private readonly child: ChildProcess;
  private readonly waiters: { uri: string; version?: number; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  readonly published: PublishDiagnosticsParams[] = [];
  stderr = '';

  /** `nodeArgs`: flags for the server's node (`--expose-gc` for the memory test). */
  constructor(nodeArgs: string[] = []) {
    this.child = spawn(process.execPath, [...nodeArgs, 'cli/bin.js', 'lsp', '--stdio'], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (chunk) => (this.stderr += String(chunk)));
    this.connection = createProtocolConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.published.push(p);
      for (const w of [...this.waiters]) {
        if (w.uri === p.uri && (w.version === undefined || p.version === w.version)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(p);
        }
      }
    });
    this.connection.listen();
  }

  async initialize(): Promise<void> {
    await this.connection.sendRequest('initialize', { processId: process.pid, rootUri: uriOf(repoRoot), capabilities: {}, workspaceFolders: [{ uri: uriOf(repoRoot), name: 'ablate' }] });
    await this.connection.sendNotification('initialized', {});
  }

  /** The next diagnostics published for `uri` (for `version`, when given). */
  diagnostics(uri: string, version?: number): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve) => this.waiters.push({ uri, ...(version !== undefined ? { version } : {}), resolve }));
  }

  get alive(): boolean {
    return this.child.exitCode === null;
  }

  async close(): Promise<void> {
    if (this.alive) {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    }
    await new Promise((r) => (this.child.exitCode !== null ? r(null) : this.child.once('exit', r)));
    this.connection.dispose();
  }
}
