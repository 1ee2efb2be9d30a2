import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** The most a file a user names is read into memory: four times the largest stored plan (64 MiB). */
export const INPUT_FILE_MAX_BYTES = 256 * 1024 * 1024;

/** A named file that is not read: not a regular file, or over the limit. The message omits the path. */
export class InputFileRefusal extends Error {}

const kindOf = (stats: Stats): string =>
  stats.isDirectory()
    ? 'a directory'
    : stats.isCharacterDevice()
      ? 'a character device'
      : stats.isBlockDevice()
        ? 'a block device'
        : stats.isFIFO()
          ? 'a named pipe'
          : stats.isSocket()
            ? 'a socket'
            : 'not a regular file';

/**
 * A file a user named (a CLI argument, the config file), read whole as UTF-8, only when it is a
 * regular file of at most `maxBytes`. Both are checked on the open descriptor before a byte is read:
 * /dev/zero, a pipe or a huge file would otherwise be read until the process runs out of memory
 * (the std::bad_alloc abort the bad-input chaos scenario hit with `--thresholds /dev/zero`). Opened
 * non-blocking, so a named pipe nobody writes to is refused, not waited on. Errors of the open
 * itself (ENOENT, EACCES) are thrown as they are.
 */
export function readInputFile(file: string, maxBytes = INPUT_FILE_MAX_BYTES): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new InputFileRefusal(`${kindOf(stats)}, not a file`);
    const overLimit = (size: string) => new InputFileRefusal(`${size}, over the limit of ${maxBytes}`);
    if (stats.size > maxBytes) throw overLimit(`${stats.size} bytes`);
    // Read here, not by readFileSync: its UTF-8 path reads to the end whatever stat said, so a file
    // growing meanwhile (or a /proc file, size 0) would run past the limit. One byte more than the
    // size tells the end; a file that grew gets room up to the limit and one byte past it.
    let buffer = Buffer.allocUnsafe(stats.size + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw overLimit(`more than ${maxBytes} bytes`);
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2 + 64 * 1024, maxBytes + 1));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}
