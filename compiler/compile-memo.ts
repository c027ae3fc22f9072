/**
 * Work shared by the compilations of one `checkFiles` call. `ablate check experiments/`
 * compiles every file as an entry, and the paper's tables name the runs `common.abl`
 * declares: without sharing, each of those runs was expanded, checked, hashed and
 * validated once per importing file (254 run checks for 149 runs).
 *
 * A result computed in one compilation is reused in another only when
 *  - it was computed without an error (an error may come from a name the first program
 *    lacked and the second one has), and
 *  - every declaration the first program could see is the very same declaration (same
 *    parsed object, shared through `SourceCache`) in the second program,
 * so it is what the second compilation would have computed. Its diagnostics (warnings)
 * are reported again in the second compilation.
 */
import type { Decl } from '../dsl/ast.ts';
import type { ConfigBlock } from './config-tree.ts';
import type { Diagnostic, DiagnosticBag } from './diagnostics.ts';
import type { DeclEntry } from './resolve-imports.ts';

type Decls = ReadonlyMap<string, DeclEntry>;

interface Memo<T> {
  value: T;
  /** The declarations visible where it was computed. */
  decls: Decls;
  diagnostics: Diagnostic[];
}

export class CompileMemo {
  private readonly byDecl = new WeakMap<Decl, Memo<unknown>>();
  private readonly byConfig = new WeakMap<ConfigBlock, Map<string, Memo<unknown>>>();
  private readonly byObject = new WeakMap<object, Memo<unknown>>();
  /** `agrees` verdicts: first program's decls → second program's decls → verdict. */
  private readonly verdicts = new WeakMap<Decls, WeakMap<Decls, boolean>>();

  /** A value derived from one declaration (its expanded runs). */
  ofDecl<T>(decl: Decl, decls: Decls, bag: DiagnosticBag, compute: () => T): T {
    return this.recall(
      () => this.byDecl.get(decl) as Memo<T> | undefined,
      (memo) => this.byDecl.set(decl, memo),
      decls,
      bag,
      compute,
    );
  }

  /** A value derived from one run (by its name and its configuration object): its checked draft. */
  ofRun<T>(name: string, config: ConfigBlock, decls: Decls, bag: DiagnosticBag, compute: () => T): T {
    let byName = this.byConfig.get(config);
    if (!byName) this.byConfig.set(config, (byName = new Map()));
    const table = byName;
    return this.recall(
      () => table.get(name) as Memo<T> | undefined,
      (memo) => table.set(name, memo),
      decls,
      bag,
      compute,
    );
  }

  /** A value derived from an object computed above (a draft IR → its finished IR). */
  ofObject<T>(key: object, decls: Decls, bag: DiagnosticBag, compute: () => T): T {
    return this.recall(
      () => this.byObject.get(key) as Memo<T> | undefined,
      (memo) => this.byObject.set(key, memo),
      decls,
      bag,
      compute,
    );
  }

  private recall<T>(get: () => Memo<T> | undefined, set: (memo: Memo<T>) => void, decls: Decls, bag: DiagnosticBag, compute: () => T): T {
    const hit = get();
    if (hit && this.agrees(hit.decls, decls)) {
      bag.add(...hit.diagnostics);
      return hit.value;
    }
    const before = bag.items.length;
    const value = compute();
    const diagnostics = bag.items.slice(before);
    if (!hit && !diagnostics.some((d) => d.severity === 'error')) set({ value, decls, diagnostics });
    return value;
  }

  /** True when every declaration visible in `first` is the same declaration in `second`. */
  private agrees(first: Decls, second: Decls): boolean {
    if (first === second) return true;
    let verdicts = this.verdicts.get(first);
    if (!verdicts) this.verdicts.set(first, (verdicts = new WeakMap()));
    let verdict = verdicts.get(second);
    if (verdict === undefined) {
      verdict = true;
      for (const [name, entry] of first) {
        if (second.get(name)?.decl !== entry.decl) {
          verdict = false;
          break;
        }
      }
      verdicts.set(second, verdict);
    }
    return verdict;
  }
}
