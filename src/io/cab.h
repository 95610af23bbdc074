/*
 * Microsoft cabinet (.cab) reader: WER report archives holding dumps, and the
 * compressed files of a symbol server (name.pd_, name.ex_, name.sy_). Layout
 * and limits: doc/cab.md.
 *
 * Nothing is extracted up front. Opening reads the header, the folder and file
 * tables and the CFDATA block headers (an index of where every block lies);
 * ds_cab_read() decodes only the blocks a read needs. MSZIP blocks carry the
 * deflate window over from the previous block, LZX blocks the whole decoder
 * state (window of up to 2 MiB, src/io/lzx.h), so a read far from the current
 * position resumes from the nearest checkpoint (a saved window or decoder),
 * and checkpoints are capped in number (MSZIP) and bytes (LZX): memory stays
 * bounded for any archive.
 *
 * A ds_cab is not thread-safe (reads move its decoder); open one per thread.
 */
#ifndef DS_IO_CAB_H
#define DS_IO_CAB_H

#include "dumpscan/dumpscan.h"
#include "io/bytes.h"

typedef struct ds_cab ds_cab;

/* Compression types of a folder (CFFOLDER.typeCompress & 0xF). */
enum { DS_CAB_NONE = 0, DS_CAB_MSZIP = 1, DS_CAB_QUANTUM = 2, DS_CAB_LZX = 3 };

typedef struct ds_cab_member {
    char *name;          /* as stored, UTF-8 (or the stored bytes when not UTF) */
    uint64_t size;       /* uncompressed size */
    uint16_t folder;
    uint32_t offset;     /* uncompressed offset inside the folder */
} ds_cab_member;

static inline bool ds_cab_signature(const void *p, size_t len)
{
    return len >= 4 && memcmp(p, "MSCF", 4) == 0;
}

/* Open over a view that must outlive the ds_cab. NULL with err set when the
 * view is not a readable cabinet. */
ds_cab *ds_cab_open(ds_bytes file, ds_error *err);
void ds_cab_close(ds_cab *c);

size_t ds_cab_count(const ds_cab *c);
const ds_cab_member *ds_cab_member_at(const ds_cab *c, size_t i);
/* Index of the member with this name (case-insensitive, '/' and '\\' alike),
 * or -1. */
long ds_cab_find(const ds_cab *c, const char *name);
/* Compression type of a member's folder (DS_CAB_*). */
int ds_cab_compression(const ds_cab *c, size_t i);

/* Read up to len bytes of member i from offset off. Returns the bytes read
 * (fewer at the end of the member); -1 with err set when the member cannot be
 * decoded (unsupported compression naming the member, corrupt data). */
int64_t ds_cab_read(ds_cab *c, size_t i, uint64_t off, void *buf, size_t len,
                    ds_error *err);

/* Copy member i whole into the file descriptor fd (which the caller owns),
 * refusing members larger than limit. 0 or -1 with err set. */
int ds_cab_extract_fd(ds_cab *c, size_t i, int fd, uint64_t limit, ds_error *err);

/* ---------------------------------------------- cabinets holding dumps */

struct ds_source;

/* Which members to take, judged by their first bytes (at most 16). */
typedef bool (*ds_cab_pick_fn)(const uint8_t *head, size_t len);

/* "report.cab:MEMORY.DMP" names a member when no file has that whole name and
 * the part before the last ':' is a cabinet. On true, cab (cap bytes) holds
 * the archive's path and *member points into path. */
bool ds_cab_split_path(const char *path, char *cab, size_t cap, const char **member);

/* The members of the cabinet at path that pick accepts, in archive order, as
 * a malloc'd array of malloc'd names. Returns their number: 0 as well for a
 * file that is not a cabinet (*names NULL); -1 with err set when the file or
 * the cabinet cannot be read. */
long ds_cab_list(const char *path, ds_cab_pick_fn pick, char ***names, ds_error *err);
void ds_cab_free_names(char **names, size_t n);

/* One member of the cabinet at path as a source: the named one, or the first
 * that pick accepts. *chosen gets its name (malloc'd). Nothing is extracted:
 * a member of up to DS_SOURCE_SMALL bytes is decoded whole into memory, a
 * larger one keeps its first DS_SOURCE_HEAD bytes and every later read
 * decodes the blocks it needs (memory bounded by the checkpoints, no disk). */
int ds_source_open_cab(struct ds_source *s, const char *path, const char *member,
                       ds_cab_pick_fn pick, char **chosen, ds_error *err);

#endif
