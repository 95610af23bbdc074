/*
 * Symbol server client (images & symbols stage): fetch one file of a symbol
 * store over HTTP(S) into a local cache in Microsoft's layout. The only code
 * in dumpscan that talks to a network, and only for symbol path entries that
 * name an http(s) server (doc/symbol-server.md).
 *
 * libcurl is loaded with dlopen the first time a download is needed, so runs
 * without a server in the symbol path never load it.
 */
#ifndef DS_SYMBOLS_SYMSRV_H
#define DS_SYMBOLS_SYMSRV_H

#include <stdbool.h>
#include <stddef.h>

typedef enum ds_fetch_status {
    DS_FETCH_OK = 0,      /* the file (or a file.ptr) is now in the cache */
    DS_FETCH_MISSING,     /* the server does not have it (remembered) */
    DS_FETCH_FAILED       /* network or server error; detail says which */
} ds_fetch_status;

/*
 * Make cache[/xx]/name/key/leaf (or .../file.ptr) exist by asking the server
 * at url for name/key/leaf, then name/key/lea_ (a cabinet, decoded here),
 * then name/key/file.ptr (leaf is name, or Breakpad's name.sym); a two-tier server (index2.txt) is asked with the
 * xx/ level as well. name and key must already be sanitized. Only one thread
 * or process downloads a given file at a time (a lock file in the key
 * folder); the others wait and then find it. A file the server does not have
 * is remembered in the cache for DUMPSCAN_SYMBOL_MISSING_TTL seconds
 * (default one day) and not asked for again until then.
 */
ds_fetch_status ds_symsrv_fetch(const char *url, const char *cache, bool cache_two_tier,
                                const char *name, const char *key, const char *leaf,
                                char *detail, size_t detail_cap);

/* Create a folder and its parents (0755); 0 or -1. */
int ds_mkdirs(const char *path);
/* Copy the file src to dest atomically (a temporary file beside dest, then
 * rename), making dest's folders; nothing when dest exists. 0 or -1. */
int ds_symsrv_copy(const char *src, const char *dest);

/* The default download cache: $DUMPSCAN_SYMBOL_CACHE, else
 * $XDG_CACHE_HOME/dumpscan/symbols, else $HOME/.cache/dumpscan/symbols. */
bool ds_symsrv_default_cache(char *buf, size_t cap);

#endif
