/*
 * The one way dumpscan opens a file: dumps, PE images, PDBs, Breakpad .sym
 * and ELF symbol files all come through here. Regular files only, and opening
 * never blocks: a FIFO, device, directory or socket is refused at once
 * (O_NONBLOCK keeps open() itself from waiting for a FIFO's writer; fstat
 * then decides). Messages never repeat the path: the caller knows it.
 */
#ifndef DS_IO_FILE_H
#define DS_IO_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dumpscan/dumpscan.h"

/* File descriptor of a regular file (close-on-exec) and its size, or -1. */
int ds_file_open(const char *path, uint64_t *size, ds_error *err);

/* pread until len bytes or end of file, retrying EINTR; bytes read or -1. */
ssize_t ds_file_pread(int fd, void *buf, size_t len, uint64_t off);

/* The whole file in a new heap buffer (NUL-terminated, *size excludes the
 * NUL); files larger than max are refused. 0 or -1. */
int ds_file_load(const char *path, uint64_t max, uint8_t **data, size_t *size,
                 ds_error *err);

#endif
