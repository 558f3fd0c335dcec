/**
 * What an errno means to an admin, in words: every message that names a file (or an address
 * to listen on) we could not use says why with this, never with the bare code alone.
 */
const FILE_ERRORS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'it already exists',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files in this process',
  ENFILE: 'too many open files on this system',
  EIO: 'input/output error: is the disk failing?',
  EBUSY: 'the file is busy',
  ETXTBSY: 'the file is busy',
  EXDEV: 'it is on another file system',
  EFBIG: 'the file is too large',
  ENXIO: 'no such device',
  ENODEV: 'no such device',
  EADDRINUSE: 'the port is in use',
  EADDRNOTAVAIL: 'the address is not one of this machine\'s',
}

export function describeFileError(code: string | undefined): string {
  if (code === undefined) return 'unknown error'
  const words = FILE_ERRORS[code]
  return words ? `${words} (${code})` : code
}

export function errorCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : undefined
}
