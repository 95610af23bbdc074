/*
 * Symbol path and symbol stores (images & symbols stage). Local folders are
 * searched first; http(s) servers of "srv*CACHE*URL" entries are asked only
 * then, downloading into CACHE (symbols/symsrv.h).
 *
 * Layouts (doc/formats.md 7.4): name.pdb/<GUID><AGE>/name.pdb,
 * name.sys/<TIMESTAMP %08X><SIZEOFIMAGE %X>/name.sys, either case for hex;
 * two-tier stores (index2.txt at the root) add a folder of the first two
 * letters of the name: na/name.pdb/...; a "file.ptr" in the key folder
 * redirects to a path; flat folders hold name.pdb / name.sys directly.
 * Names taken from a dump are sanitized: only a base name, no "..", no
 * separators, no control characters; anything else is refused.
 */
#ifndef DS_SYMBOLS_STORE_H
#define DS_SYMBOLS_STORE_H

#include "dumpscan/dumpscan.h"

typedef struct ds_symstore ds_symstore;

/* Parse a symbol path (see ds_open_options.symbol_path). NULL path: take
 * $DUMPSCAN_SYMBOL_PATH, then $_NT_SYMBOL_PATH. Never fails on bad entries
 * (they are skipped); NULL only when out of memory. offline: http(s)
 * servers are dropped (their caches are still read). */
ds_symstore *ds_symstore_open(const char *path, bool offline);
void ds_symstore_close(ds_symstore *s);
size_t ds_symstore_entries(const ds_symstore *s);   /* usable folders */
const char *ds_symstore_entry(const ds_symstore *s, size_t i);
size_t ds_symstore_servers(const ds_symstore *s);   /* http(s) servers to ask */
/* Folders of the path that do not exist (a cache not yet made, --offline
 * included): not searched, but named where a lookup found nothing. */
size_t ds_symstore_missing(const ds_symstore *s);
const char *ds_symstore_missing_at(const ds_symstore *s, size_t i);

/* Outcome of a lookup, for honest reporting. */
typedef enum ds_store_status {
    DS_STORE_FOUND = 0,
    DS_STORE_NOT_FOUND,
    DS_STORE_MISMATCH,   /* a file by that name exists but its identity differs */
    DS_STORE_BAD_NAME    /* the name from the dump was refused by sanitizing */
} ds_store_status;

/* Where a FOUND file came from. */
typedef enum ds_store_origin {
    DS_FROM_STORE = 0,   /* a local store or folder of the symbol path */
    DS_FROM_CACHE,       /* a download cache, filled by an earlier run */
    DS_FROM_SERVER,      /* downloaded by this lookup */
    DS_FROM_REDIRECT     /* a server's file.ptr (downloaded by this lookup) named it */
} ds_store_origin;

typedef struct ds_store_result {
    ds_store_status status;
    char path[4096];      /* the file found (FOUND), or the mismatching one */
    char detail[256];     /* e.g. "timestamp 5f8a1c2d, expected 65f0a1b2" */
    ds_store_origin origin;
    char source[1024];    /* FOUND: the folder or server URL it came from */
    char server_detail[256]; /* not FOUND: what the first server said, if asked */
    char key[80];         /* the store key looked for (as a server files it) */
    char searched[512];   /* not FOUND: every place of the path, "A, B" */
} ds_store_result;

/* An image (exe/sys/dll) keyed by TimeDateStamp and SizeOfImage. A candidate
 * file is only FOUND when its PE header has exactly that identity. */
ds_store_status ds_symstore_find_image(const ds_symstore *s, const char *name,
                                       uint32_t timestamp, uint32_t size_of_image,
                                       ds_store_result *out);
/* A PDB keyed by its RSDS GUID (as stored) and age; NB10 is not searched.
 * FOUND only when the PDB's info stream has that GUID and its DBI age (the
 * one the linker wrote into the image) or info-stream age is that age: real
 * stores hold PDBs whose info age was bumped after the link (corpus
 * amdppm.pdb: stored as ...1, info age 3, DBI age 1). */
ds_store_status ds_symstore_find_pdb(const ds_symstore *s, const char *pdb_name,
                                     const uint8_t guid[16], uint32_t age,
                                     ds_store_result *out);
/* A Breakpad symbol file: <name>/<ID>/<name without .pdb>.sym, where ID is
 * the GUID+age (PDB) or the ELF build id as Breakpad spells it. */
ds_store_status ds_symstore_find_breakpad(const ds_symstore *s, const char *module_name,
                                          const char *debug_id, ds_store_result *out);
/* The same without asking servers (a module whose PDB was found needs no
 * Breakpad file badly enough to cost a request). */
ds_store_status ds_symstore_find_breakpad_local(const ds_symstore *s, const char *module_name,
                                                const char *debug_id, ds_store_result *out);

/* Is this a name dumpscan may turn into a path component? */
bool ds_symstore_name_ok(const char *name);
/* The last component of a path as a dump records it ("\\SystemRoot\\...\\x.sys",
 * "C:\\build\\x.pdb", "/usr/lib/libc.so.6"): the text after the last '\\',
 * '/' or ':'. Points into path; still check it with ds_symstore_name_ok. */
const char *ds_symstore_base_name(const char *path);

#endif
