// The VS Code side of ablate: starts `ablate lsp --stdio` for .abl files (and YAML
// experiment documents, which otherwise get the JSON Schema through yamlValidation).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

/** The server command: the setting, else the workspace's own ablate, else `ablate` on PATH. */
function serverCommand() {
  const configured = vscode.workspace.getConfiguration('ablate').get('server.command') ?? [];
  if (configured.length > 0) return { command: configured[0], args: [...configured.slice(1), 'lsp', '--stdio'] };
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const bin = folder && join(folder, 'cli', 'bin.js');
  if (bin && existsSync(bin)) return { command: process.execPath.endsWith('node') ? process.execPath : 'node', args: [bin, 'lsp', '--stdio'], options: { cwd: folder } };
  const local = folder && join(folder, 'node_modules', '.bin', 'ablate');
  return { command: local && existsSync(local) ? local : 'ablate', args: ['lsp', '--stdio'] };
}

function activate(context) {
  const server = { ...serverCommand(), transport: TransportKind.stdio };
  client = new LanguageClient('ablate', 'ablate', server, {
    documentSelector: [{ scheme: 'file', language: 'ablate' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{abl,yaml,yml}') },
  });
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client?.stop();
}

module.exports = { activate, deactivate };
