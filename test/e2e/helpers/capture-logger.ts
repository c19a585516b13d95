import type { LoggerService } from '@nestjs/common';

/** A Nest logger that records every line, for assertions on warnings and on secrets never logged. */
export class CaptureLogger implements LoggerService {
  readonly lines: Array<{ level: string; message: string }> = [];

  private record(level: string, message: unknown, ...rest: unknown[]): void {
    const text = [message, ...rest].map((part) => (part instanceof Error ? `${part.message} ${part.stack}` : typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
    this.lines.push({ level, message: text });
  }

  log(message: unknown, ...rest: unknown[]): void { this.record('log', message, ...rest); }
  warn(message: unknown, ...rest: unknown[]): void { this.record('warn', message, ...rest); }
  error(message: unknown, ...rest: unknown[]): void { this.record('error', message, ...rest); }
  debug(message: unknown, ...rest: unknown[]): void { this.record('debug', message, ...rest); }
  verbose(message: unknown, ...rest: unknown[]): void { this.record('verbose', message, ...rest); }

  warnings(): string[] {
    return this.lines.filter((line) => line.level === 'warn').map((line) => line.message);
  }

  text(): string {
    return this.lines.map((line) => line.message).join('\n');
  }
}
