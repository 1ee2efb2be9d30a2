import pino from 'pino';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';

export type AppLogger = pino.Logger;

export function createLogger(level: string, name = 'arxflow'): AppLogger {
  return pino({
    name,
    level,
    // Secrets never reach the logs, whatever a caller passes in.
    redact: {
      paths: ['*.password', '*.token', '*.apiKey', '*.authorization', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}

/** Temporal's Logger interface over pino, for Runtime.install (SDK and Core logs). */
export function temporalLogger(logger: AppLogger): Logger {
  const toPino: Record<LogLevel, pino.Level> = {
    TRACE: 'trace',
    DEBUG: 'debug',
    INFO: 'info',
    WARN: 'warn',
    ERROR: 'error',
  };
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => logger[toPino[level]](meta ?? {}, message);
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
