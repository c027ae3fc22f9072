/** Where a run reports progress; the CLI draws it (`cli/progress.ts`), tests may record it. */
export interface ProgressSink {
  start(run: string, totalSteps: number, startStep: number): void;
  step(info: { step: number; epoch: number; epochs: number; endOfEpoch: boolean; loss: number; terms: Record<string, number> }): void;
  note(line: string): void;
  stop(): void;
}

/** A sink that drops everything but notes, which it hands to `onNote`. */
export function silentProgress(onNote: (line: string) => void = () => {}): ProgressSink {
  return { start() {}, step() {}, note: onNote, stop() {} };
}
