// A Logger that keeps every line (as the JSON a real log would hold) so tests can read and search them.
import type { LogAttributes, Logger } from '../../lambdas/core/ports';

export class MemoryLogger implements Logger {
  readonly lines: string[] = [];

  private write(level: string, message: string, attributes?: LogAttributes): void {
    this.lines.push(JSON.stringify({ level, message, ...attributes }));
  }

  debug(message: string, attributes?: LogAttributes): void {
    this.write('DEBUG', message, attributes);
  }
  info(message: string, attributes?: LogAttributes): void {
    this.write('INFO', message, attributes);
  }
  warn(message: string, attributes?: LogAttributes): void {
    this.write('WARN', message, attributes);
  }
  error(message: string, attributes?: LogAttributes): void {
    this.write('ERROR', message, attributes);
  }

  /** the parsed lines with this message */
  find(message: string): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.message === message);
  }
}
