/* Batch inputs beyond walked folders: --files-from lists and --shard I/N. */
#ifndef DS_CLI_FILESET_H
#define DS_CLI_FILESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Stable 64-bit hash of a path's bytes (fixed forever: shards depend on it). */
uint64_t fileset_path_hash(const char *path);
/* Is path in shard index (0-based) of count? count <= 1 keeps everything. */
bool fileset_in_shard(const char *path, unsigned index, unsigned count);
/* "I/N" with 0 <= I < N -> 0, else -1. */
int fileset_shard_parse(const char *s, unsigned *index, unsigned *count);

/* Read a list of paths from file name ("-": stdin), separated by NUL
 * (nul > 0), newline (nul == 0, a trailing CR dropped) or, nul < 0, NUL when
 * the list holds one and newline otherwise. Empty entries are ignored. add()
 * gets each path; a non-zero return stops. 0, or -1 with err set. */
typedef int (*fileset_add_fn)(void *ctx, const char *path);
int fileset_read(const char *name, int nul, fileset_add_fn add, void *ctx, char *err,
                 size_t errlen);

#endif
