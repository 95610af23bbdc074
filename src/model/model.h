/* Building and freeing the crash model (ds_crash). Used by the format readers
 * and the image stage; everything they allocate hangs off the ds_crash. */
#ifndef DS_MODEL_MODEL_H
#define DS_MODEL_MODEL_H

#include <stdarg.h>

#include "dumpscan/dumpscan.h"

/* Append a note; text is printf-formatted. Returns -1 when out of memory. */
int ds_note_add(ds_crash *c, ds_severity sev, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool ds_note_has(const ds_crash *c, const char *code);

/* Append a zeroed module (name and path NULL: unknown); NULL when out of memory. */
ds_module *ds_module_add(ds_crash *c, bool unloaded);
/* Replace an owned string of the model (free the old one), taking ownership
 * of s; NULL makes it unknown. */
void ds_str_set(char **slot, char *s);

ds_thread *ds_thread_add(ds_crash *c);

/* Append a copy of *l (its strings duplicated); -1 when out of memory. */
int ds_symbol_lookup_add(ds_crash *c, const ds_symbol_lookup *l);

/* malloc'd copy of s; NULL when s is NULL or memory ran out. */
char *ds_strdup(const char *s);

/* A printf-formatted string of any length, malloc'd (no fixed buffer cuts a
 * sentence short); NULL when memory ran out. */
char *ds_strfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *ds_vstrfmt(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Base name of a Windows or POSIX path, as a new string (NULL for NULL). */
char *ds_basename_dup(const char *path);

/* The one FILETIME (100 ns since 1601-01-01 UTC) <-> Unix seconds conversion.
 * ds_filetime_to_unix is false for 0 (unset) and for times before 1970 or
 * after 9999 (what gmtime and ISO 8601 cannot show). */
bool ds_filetime_to_unix(uint64_t ft, int64_t *out);
uint64_t ds_unix_to_filetime(int64_t t);

void ds_crash_free(ds_crash *c);
/* Free the facts' strings and zero them (all unknown). */
void ds_facts_clear(ds_facts *f);
/* Free what a frame owns (names, source positions, inline frames). */
void ds_frame_free(ds_frame *f);

/* A module's name for comparisons: "" when unknown (NULL), so it matches no
 * real name (never compare it with an empty name). */
static inline const char *ds_mod_name(const ds_module *m)
{
    return m->name ? m->name : "";
}

/* How sentences and tables name a module whose name the dump does not hold. */
#define DS_UNNAMED_MODULE "(unnamed module)"

/* A module's name in sentences: DS_UNNAMED_MODULE when unknown. */
static inline const char *ds_mod_display(const ds_module *m)
{
    return m->name ? m->name : DS_UNNAMED_MODULE;
}

static inline ds_u64 ds_known(uint64_t v)
{
    ds_u64 r = {v, true};
    return r;
}

#endif
