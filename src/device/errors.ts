// Every error webgrad throws on purpose is a WebGradError: it names the op, what it was given and what
// would be valid, so a user can fix the call without reading webgrad's source.
export class WebGradError extends Error {
  constructor(
    readonly op: string,
    problem: string,
    fix?: string,
  ) {
    super(`${op}: ${problem}${fix ? `. Fix: ${fix}` : ''}`);
    this.name = 'WebGradError';
  }
}

export function fail(op: string, problem: string, fix?: string): never {
  throw new WebGradError(op, problem, fix);
}

export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
