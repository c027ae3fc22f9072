/**
 * What the server knows about the workspace: the text of every open document (which
 * wins over the file on disk), every parsed file, and one analysis per open document —
 * the compiler's own result for it as an entry file plus the program (imports,
 * declarations) and `extends` resolver the editor features read.
 *
 * Everything is computed by the compiler's public functions (`compileFile`,
 * `resolveImports`, `ExtendsResolver`), so a rule added to the compiler shows up in the
 * editor without a change here. Parsed files are cached by text: an edit re-parses only
 * the edited file, and a document keeps only its latest parse (memory stays flat
 * however long a session runs).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExtendsResolver } from '../../compiler/apply-extends.ts';
import { collectSourceFiles, compileFile, SourceCache, type CompileResult } from '../../compiler/compile.ts';
import { DiagnosticBag } from '../../compiler/diagnostics.ts';
import { isSourceFile, loadSource, type LoadedSource } from '../../compiler/load-source.ts';
import { resolveImports, type Program } from '../../compiler/resolve-imports.ts';

/** One open document, compiled as an entry file. */
export interface Analysis {
  file: string;
  /** The text the analysis was made from. */
  text: string;
  result: CompileResult;
  program: Program;
  resolver: ExtendsResolver;
}

interface OpenDocument {
  text: string;
  version: number;
  loaded?: LoadedSource;
}

/** The compiler's source cache, reading open documents from the editor instead of the disk. */
class WorkspaceSourceCache extends SourceCache {
  constructor(private readonly workspace: Workspace) {
    super();
  }

  override read(file: string): LoadedSource | undefined {
    return this.workspace.load(file);
  }
}

export class Workspace {
  private readonly open = new Map<string, OpenDocument>();
  private readonly disk = new Map<string, LoadedSource | undefined>();
  private readonly analyses = new Map<string, Analysis>();
  /** Programs of files not open (references), each valid while every file it read still loads to the same parse. */
  private readonly programs = new Map<string, Program>();
  private sourceFiles: string[] | undefined;
  private readonly cache = new WorkspaceSourceCache(this);

  /** `root`: the folder compiled paths are relative to (the editor's workspace folder). */
  constructor(readonly root: string) {}

  /** Sets an open document's text; returns the open documents to re-check (it and its importers). */
  setDocument(file: string, text: string, version: number): string[] {
    // A newly opened (maybe unsaved) file can satisfy an import that failed before.
    if (!this.open.has(file)) this.programs.clear();
    this.open.set(file, { text, version });
    return this.invalidate(file);
  }

  /** Forgets an open document (the disk copy counts again); returns the open documents to re-check. */
  closeDocument(file: string): string[] {
    this.open.delete(file);
    this.analyses.delete(file);
    this.disk.delete(file);
    return this.invalidate(file);
  }

  /** A file changed, appeared or vanished on disk; returns the open documents to re-check. */
  diskChanged(file: string): string[] {
    this.disk.delete(file);
    this.sourceFiles = undefined;
    this.programs.clear(); // a file created or deleted can change how imports resolve
    return this.open.has(file) ? [] : this.invalidate(file);
  }

  isOpen(file: string): boolean {
    return this.open.has(file);
  }

  version(file: string): number | undefined {
    return this.open.get(file)?.version;
  }

  openFiles(): string[] {
    return [...this.open.keys()];
  }

  /** A file parsed: the open document's text, else the file on disk (undefined when unreadable). */
  load(file: string): LoadedSource | undefined {
    const doc = this.open.get(file);
    if (doc) {
      doc.loaded ??= loadSource(file, doc.text);
      return doc.loaded;
    }
    if (this.disk.has(file)) return this.disk.get(file);
    let loaded: LoadedSource | undefined;
    try {
      loaded = isSourceFile(file) ? loadSource(file, readFileSync(file, 'utf8')) : undefined;
    } catch {
      loaded = undefined;
    }
    this.disk.set(file, loaded);
    return loaded;
  }

  /** The analysis of an open document (computed on demand, cached until it or an import changes). */
  analysis(file: string): Analysis | undefined {
    const doc = this.open.get(file);
    if (!doc) return undefined;
    const cached = this.analyses.get(file);
    if (cached && cached.text === doc.text) return cached;
    const result = compileFile(file, { cwd: this.root, cache: this.cache });
    const program = resolveImports(file, (f) => this.load(f), new DiagnosticBag());
    const analysis: Analysis = { file, text: doc.text, result, program, resolver: new ExtendsResolver(program, new DiagnosticBag()) };
    this.analyses.set(file, analysis);
    return analysis;
  }

  /**
   * The program of any file (open or not) as an entry, without compiling it: for
   * references in files the editor has not opened.
   */
  program(file: string): Program {
    const analysed = this.analyses.get(file)?.program;
    if (analysed) return analysed;
    // Still valid when every file it read loads to the very same parse (an edit or a disk
    // change gives a new one), so references do not re-resolve the workspace per request.
    const cached = this.programs.get(file);
    if (cached && [...cached.files].every(([f, source]) => this.load(f) === source)) return cached;
    const program = resolveImports(file, (f) => this.load(f), new DiagnosticBag());
    this.programs.set(file, program);
    return program;
  }

  /** Every .abl/.yaml file under the root, and every open document (for references). */
  allSourceFiles(): string[] {
    this.sourceFiles ??= collectSourceFiles([this.root]).map((f) => resolve(f)).filter(isSourceFile);
    return [...new Set([...this.sourceFiles, ...this.open.keys()])];
  }

  /** Drops analyses that read `file`; the open documents among them (and `file` if open) need a re-check. */
  private invalidate(file: string): string[] {
    const affected = new Set<string>();
    if (this.open.has(file)) affected.add(file);
    for (const [entry, analysis] of this.analyses) {
      if (entry === file || analysis.program.files.has(file)) {
        this.analyses.delete(entry);
        if (this.open.has(entry)) affected.add(entry);
      }
    }
    return [...affected];
  }
}
