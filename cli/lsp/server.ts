/**
 * `ablate lsp`: the language server's wiring. JSON-RPC over stdin/stdout
 * (vscode-languageserver), the open documents (vscode-languageserver-textdocument), and
 * one handler per feature, each in its own file. Every handler is guarded: an exception
 * in one request (a compiler bug met on a half-edited file) is logged to the client and
 * answered with an empty result, so the server never goes down with a document.
 *
 * Diagnostics are published per file as the union of what every open entry file's
 * compilation found there; a change to a file re-checks it and every open file whose
 * compilation read it (its importers), coalesced to one check per file per turn of the
 * event loop.
 */
import { resolve } from 'node:path';
import {
  CodeActionKind, createConnection, StreamMessageReader, StreamMessageWriter, TextDocuments, TextDocumentSyncKind,
  type Connection, type Diagnostic as LspDiagnostic, type InitializeParams, type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codeActions } from './code-actions.ts';
import { completion } from './completion.ts';
import { definition, references } from './definition.ts';
import { diagnosticsByFile } from './diagnostics.ts';
import { formatDocument } from './formatting.ts';
import { hover } from './hover.ts';
import { inlayHints } from './inlay-hints.ts';
import { pathOf, uriOf } from './locations.ts';
import { documentSymbols } from './symbols.ts';
import { Workspace, type Analysis } from './workspace.ts';

export interface ServerOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

class AblateLanguageServer {
  private workspace = new Workspace(process.cwd());
  private readonly documents = new TextDocuments(TextDocument);
  /** Entry file → its diagnostics by file (what its last compilation found). */
  private readonly contributions = new Map<string, Map<string, LspDiagnostic[]>>();
  private readonly pending = new Set<string>();
  private scheduled = false;

  constructor(private readonly connection: Connection) {}

  start(): void {
    const { connection, documents } = this;
    connection.onInitialize((params) => this.initialize(params));
    documents.onDidChangeContent(({ document }) => {
      this.schedule(this.workspace.setDocument(pathOf(document.uri), document.getText(), document.version));
    });
    documents.onDidClose(({ document }) => {
      const file = pathOf(document.uri);
      const affected = this.workspace.closeDocument(file);
      this.drop(file);
      this.schedule(affected);
    });
    connection.onDidChangeWatchedFiles(({ changes }) => {
      for (const change of changes) this.schedule(this.workspace.diskChanged(pathOf(change.uri)));
    });
    connection.onHover((p) => this.guard('hover', null, () => this.withAnalysis(p.textDocument.uri, (a, doc) => hover(a, this.workspace, doc.offsetAt(p.position)))));
    connection.onDefinition((p) => this.guard('definition', [], () => this.withAnalysis(p.textDocument.uri, (a, doc) => definition(a, this.workspace, doc.offsetAt(p.position))) ?? []));
    connection.onReferences((p) => this.guard('references', [], () => this.withAnalysis(p.textDocument.uri, (a, doc) => references(a, this.workspace, doc.offsetAt(p.position), p.context.includeDeclaration)) ?? []));
    connection.onCompletion((p) => this.guard('completion', [], () => this.withAnalysis(p.textDocument.uri, (a, doc) => completion(a, doc.getText(), doc.offsetAt(p.position))) ?? []));
    connection.onDocumentFormatting((p) => this.guard('formatting', [], () => {
      const doc = documents.get(p.textDocument.uri);
      return doc ? formatDocument(doc, pathOf(doc.uri)) : [];
    }));
    connection.onDocumentSymbol((p) => this.guard('symbols', [], () => {
      const ast = this.workspace.load(pathOf(p.textDocument.uri))?.ast;
      return ast ? documentSymbols(ast) : [];
    }));
    connection.onCodeAction((p) => this.guard('code actions', [], () => {
      const doc = documents.get(p.textDocument.uri);
      return doc ? codeActions(doc, p.context.diagnostics) : [];
    }));
    connection.languages.inlayHint.on((p) =>
      this.guard('inlay hints', [], async () => {
        const analysis = this.workspace.analysis(pathOf(p.textDocument.uri));
        if (!analysis) return [];
        const { start, end } = p.range;
        const inRange = (span: { start: { line: number }; end: { line: number } }) => span.end.line >= start.line && span.start.line <= end.line;
        return inlayHints(analysis, this.workspace.root, inRange);
      }),
    );
    // Test hook for the memory test (test/cli/lsp/lsp-memory.test.ts): only when node runs
    // with --expose-gc, so an editor's server never answers it.
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) connection.onRequest('ablate/heapUsedAfterGc', () => (gc(), process.memoryUsage().heapUsed));
    documents.listen(connection);
    connection.listen();
  }

  private initialize(params: InitializeParams): InitializeResult {
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
    this.workspace = new Workspace(folder ? resolve(pathOf(folder)) : process.cwd());
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        completionProvider: { triggerCharacters: ['.', ':', ' '] },
        documentFormattingProvider: true,
        documentSymbolProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        inlayHintProvider: true,
      },
      serverInfo: { name: 'ablate' },
    };
  }

  /** Runs a request handler; an exception is logged and answered with `fallback`. */
  private async guard<T>(what: string, fallback: T, run: () => T | Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      this.connection.console.error(`ablate lsp: ${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return fallback;
    }
  }

  private withAnalysis<T>(uri: string, run: (analysis: Analysis, document: TextDocument) => T): T | null {
    const document = this.documents.get(uri);
    const analysis = document && this.workspace.analysis(pathOf(uri));
    return document && analysis ? run(analysis, document) : null;
  }

  private schedule(files: readonly string[]): void {
    for (const file of files) this.pending.add(file);
    if (this.scheduled || this.pending.size === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const files = [...this.pending];
      this.pending.clear();
      for (const file of files) this.check(file);
    });
  }

  /** Compiles one open entry file and publishes the diagnostics of every file it touched. */
  private check(file: string): void {
    if (!this.workspace.isOpen(file)) return;
    let found: Map<string, LspDiagnostic[]>;
    try {
      found = diagnosticsByFile(this.workspace.analysis(file)!);
    } catch (error) {
      // A compiler bug: say so on the file instead of leaving stale diagnostics or none.
      const message = error instanceof Error ? error.message : String(error);
      this.connection.console.error(`ablate lsp: checking ${file} failed: ${error instanceof Error ? error.stack : message}`);
      found = new Map([[file, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 1, source: 'ablate', message: `internal error while checking this file: ${message}` }]]]);
    }
    const before = this.contributions.get(file);
    this.contributions.set(file, found);
    this.publish(new Set([...(before?.keys() ?? []), ...found.keys()]));
  }

  private drop(entry: string): void {
    const before = this.contributions.get(entry);
    this.contributions.delete(entry);
    if (before) this.publish(new Set(before.keys()));
  }

  /** Publishes the union of every entry's diagnostics for each file (duplicates removed). */
  private publish(files: Iterable<string>): void {
    for (const file of files) {
      const seen = new Set<string>();
      const diagnostics: LspDiagnostic[] = [];
      for (const byFile of this.contributions.values()) {
        for (const d of byFile.get(file) ?? []) {
          const key = `${d.code}\0${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}\0${d.message}`;
          if (seen.has(key)) continue;
          seen.add(key);
          diagnostics.push(d);
        }
      }
      const version = this.workspace.version(file);
      void this.connection.sendDiagnostics({ uri: uriOf(file), ...(version !== undefined ? { version } : {}), diagnostics });
    }
  }
}

/** Starts the server on stdin/stdout (or the given streams) and keeps it running until the client says exit. */
export function startServer(options: ServerOptions = {}): void {
  // stdout carries the protocol: anything logged goes to stderr instead.
  console.log = console.error;
  console.info = console.error;
  const connection = createConnection(new StreamMessageReader(options.input ?? process.stdin), new StreamMessageWriter(options.output ?? process.stdout));
  new AblateLanguageServer(connection).start();
}
