/**
 * Reading a file named by the user or by a folder from elsewhere without trusting it: at most a
 * bound of bytes (a link to /dev/zero must not fill memory), and on request only a plain file that
 * is not a symbolic link (an export folder must not pull /etc/passwd into the database).
 */
import fs from 'node:fs';
import { HubError, errorMessage } from './errors.js';

export interface BoundedReadOptions {
  /** What the file is, for errors: "pack", "answer.txt"... */
  what: string;
  /** Refuse symbolic links, devices, pipes and folders (an imported export holds plain files only). */
  plainFileOnly?: boolean;
  /** Bytes left for a group of reads (a whole import); the read takes its size off. */
  budget?: { remaining: number; limit: number; what: string };
}

const CHUNK_BYTES = 1024 * 1024;

export function formatBytes(bytes: number): string {
  const inUnit = (unit: number, name: string) => {
    const value = bytes / unit;
    return `${Number.isInteger(value) ? value : value.toFixed(1)} ${name}`;
  };
  if (bytes >= 1024 * 1024) return inUnit(1024 * 1024, 'MiB');
  if (bytes >= 1024) return inUnit(1024, 'KiB');
  return `${bytes} bytes`;
}

function open(file: string, options: BoundedReadOptions): number {
  // O_NONBLOCK: opening a pipe nobody writes to would otherwise wait forever before fstat can refuse it.
  const flags = options.plainFileOnly ? fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK : fs.constants.O_RDONLY;
  try {
    return fs.openSync(file, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (options.plainFileOnly && code === 'ELOOP') throw new HubError('bad_request', `${options.what} ${file} is a symbolic link; refusing to follow it`);
    throw new HubError('bad_request', `cannot read ${options.what} ${file}: ${errorMessage(err)}`);
  }
}

/** The file's text (UTF-8), or a HubError naming the file when it is too large or not allowed. */
export function readBoundedFile(file: string, maxBytes: number, options: BoundedReadOptions): string {
  const fd = open(file, options);
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new HubError('bad_request', `${options.what} ${file} is a folder, not a file`);
    if (options.plainFileOnly && !stat.isFile()) throw new HubError('bad_request', `${options.what} ${file} is not a regular file (a device, pipe or socket); refusing to read it`);
    const limit = Math.min(maxBytes, options.budget?.remaining ?? Infinity);
    const tooLarge = () => {
      const budget = options.budget;
      if (budget && budget.remaining < maxBytes) return new HubError('bad_request', `${budget.what} is larger than ${formatBytes(budget.limit)} in all (reached at ${file})`);
      return new HubError('bad_request', `${options.what} ${file} is larger than ${formatBytes(maxBytes)}`);
    };
    if (stat.isFile() && stat.size > limit) throw tooLarge();
    // Read up to one byte past the limit whatever the size says: devices and /proc files report 0.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, limit + 1 - total));
      let read: number;
      try {
        read = fs.readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        throw new HubError('bad_request', `cannot read ${options.what} ${file}: ${errorMessage(err)}`);
      }
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
      if (total > limit) throw tooLarge();
    }
    if (options.budget) options.budget.remaining -= total;
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
