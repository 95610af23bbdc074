/*
 * Names from outside (file names, strings from dumps) made safe to show:
 * on a terminal (no control characters, widths in columns) and in JSON (valid
 * UTF-8, reversibly). The escapes are documented in dumpscan(1), BATCH, and
 * dumpscan-json(5), "Paths".
 */
#ifndef DS_REPORT_SAFETEXT_H
#define DS_REPORT_SAFETEXT_H

#include <jansson.h>
#include <stddef.h>

#include "report/strbuf.h"

/*
 * Append s for a terminal: "\n", "\r", "\t" for those; "\\" for a backslash;
 * "\xHH" for each byte of any other control character (C0, DEL, C1, the
 * bidirectional controls that reorder text) and for each byte that is not part
 * of well-formed UTF-8. The result is well-formed UTF-8 with no control
 * characters.
 */
void ds_sb_display(ds_strbuf *b, const char *s);

/* a, then sep and b when b is given, through ds_sb_display (sep is the
 * caller's own text, appended as it is). ds_free; NULL on OOM. */
char *ds_display_join(const char *a, const char *sep, const char *b);

/* Terminal columns of well-formed UTF-8 text (East Asian wide and emoji 2,
 * combining marks 0, others 1). */
size_t ds_display_width(const char *s);

/* Byte length of the longest start of s that fits in cols columns (whole
 * characters only); its width in *used. */
size_t ds_display_head(const char *s, size_t cols, size_t *used);

/* Byte offset of the shortest end of s that fits in cols columns; its width
 * in *used. */
size_t ds_display_tail(const char *s, size_t cols, size_t *used);

/*
 * A path as a JSON string: well-formed UTF-8 is kept as it is, except that a
 * '%' followed by two hex digits becomes "%25"; each byte that is not part of
 * well-formed UTF-8 becomes "%HH". Percent-decoding (every "%HH" to its byte)
 * gives back the original bytes. NULL on OOM.
 */
json_t *ds_json_path(const char *path);

/* The same escape as a new C string (free); NULL on OOM. The crash database
 * stores paths and machine names this way. */
char *ds_path_escape(const char *path);

/* Same, or JSON null for NULL. */
json_t *ds_json_path_or_null(const char *path);

/* The bytes back from ds_json_path's form (every "%HH" to its byte), as a new
 * string (free); NULL for NULL or on OOM. A decoded NUL byte ends the name. */
char *ds_json_path_decode(const char *s);

#endif
