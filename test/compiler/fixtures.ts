/**
 * Test helpers: write inline sources into a temporary folder and compile them. A `«` in
 * a source marks where the expected diagnostic starts; `compileMarked` strips it and
 * returns its 1-based line:column, computed from the text alone.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { compileFile, type CompileOptions, type CompileResult } from '../../compiler/compile.ts';
import type { Diagnostic } from '../../compiler/diagnostics.ts';
import { afterAll } from 'vitest';

export const MARK = '«';

/** A small valid dataset declaration (phantom, 10 cases per modality). */
export const DATASET = `dataset phantom "Phantom" {
  source: phantom { anatomy: cardiac, size: 64 x 64 x 8, spacing: 1 x 1 x 2 mm, seed: 1 }
  classes: [LVM, LAC, LVC, AA]
  modalities { ct { cases: 10 }, mri { cases: 10 } }
}
`;

/** A small valid experiment: Swin-Unet 2D, grids 32/16/8/4, window 4, EAMs with 2 heads, Joint V3 + CR. */
export const BASE = `experiment base {
  data phantom {
    modalities: [ct, mri]
    crop: 64 x 64
    split { train: 60%, val: 20%, test: 20% }
  }
  model {
    backbone swin_unet { patch: 2, embed: 16, heads: [1, 2, 4, 8], window: 4 }
    joint: v3
    eam at decoder[1..3] { heads: 2 }
  }
  loss { aux: 0.4, mcr: 0.1, icr: 0.1 { tau: 4 } }
  train { epochs: 2, batch: 2, optimizer: adamw { lr: 1e-3 } }
}
`;

const created: string[] = [];
// Registered in the importing test file: its temporary folders go when it ends.
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes `files` (path → text) into a fresh temporary folder (removed after the test file); returns the folder. */
export function writeFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ablate-test-'));
  created.push(dir);
  for (const [path, text] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  return dir;
}

export interface Marked {
  result: CompileResult;
  /** 1-based position of the `«` marker, or undefined when there is none. */
  mark?: { file: string; line: number; column: number };
  dir: string;
}

function markOf(text: string): { line: number; column: number; text: string } | undefined {
  const index = text.indexOf(MARK);
  if (index < 0) return undefined;
  const before = text.slice(0, index);
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1, text: text.slice(0, index) + text.slice(index + MARK.length) };
}

/** Compiles `files[entry]` (default `main.abl`) after stripping the marker from whichever file has it. */
export function compileMarked(files: Record<string, string>, options: CompileOptions & { entry?: string } = {}): Marked {
  let mark: Marked['mark'];
  const clean: Record<string, string> = {};
  for (const [path, text] of Object.entries(files)) {
    const m = markOf(text);
    if (m) {
      mark = { file: path, line: m.line, column: m.column };
      clean[path] = m.text;
    } else clean[path] = text;
  }
  const dir = writeFiles(clean);
  const result = compileFile(join(dir, options.entry ?? 'main.abl'), { ...options, cwd: dir });
  return { result, ...(mark ? { mark } : {}), dir };
}

/** A diagnostic as `file:line:col code`, 1-based, file relative to `dir`. */
export function where(d: Diagnostic, dir: string): string {
  const file = d.span.file.startsWith('<') ? d.span.file : relative(dir, d.span.file);
  return `${file}:${d.span.start.line + 1}:${d.span.start.column + 1}`;
}
