/*
 * Batch rows as JSON lines (--format jsonl of a row).
 */
#include <jansson.h>
#include <stdio.h>

#include "report/jsonval.h"
#include "report/rowutil.h"
#include "report/safetext.h"

char *ds_row_json(const ds_row *r, unsigned flags)
{
    json_t *root = json_object();
    char mt[40] = "";
    if (r->mtime.known)
        iso_time(r->mtime.value, mt, sizeof mt);
    json_object_set_new(root, "schema_version", json_integer(DS_JSON_SCHEMA_VERSION));
    json_object_set_new(root, "tool", json_pack("{s:s, s:s}", "name", "dumpscan", "version",
                                                DS_VERSION_STRING));
    json_object_set_new(root, "file",
                        json_pack("{s:o, s:o, s:o, s:o}", "path",
                                  ds_json_path(r->path ? r->path : ""), "size",
                                  ds_json_opt_int(r->file_size), "mtime",
                                  mt[0] ? json_string(mt) : json_null(), "in_cab",
                                  ds_json_path_or_null(r->in_cab)));
    json_object_set_new(root, "status", json_string(r->failed ? "failed" : "ok"));
    json_object_set_new(root, "error", ds_json_path_or_null(r->error));
    if (!r->failed) {
        json_object_set_new(root, "format", json_string(format_name(r->format)));
        json_object_set_new(root, "dump_kind", json_string(r->dump_kind));
        json_object_set_new(root, "arch", json_string(ds_arch_name(r->arch)));
        json_object_set_new(root, "crash_time", ds_json_time(r->crash_time.known,
                                                         r->crash_time.value));
        json_object_set_new(root, "code_type",
                            r->has_code ? json_string(r->code_is_exception ? "exception"
                                                                           : "bugcheck")
                                        : json_null());
        json_object_set_new(root, "code", r->has_code ? ds_json_hex(r->code) : json_null());
        json_object_set_new(root, "name", ds_json_str(r->title));
        json_object_set_new(root, "suspect_module", ds_json_str(r->suspect_module));
        json_object_set_new(root, "suspect_function", ds_json_str(r->suspect_function));
        json_object_set_new(root, "confidence",
                            r->has_verdict ? json_string(ds_confidence_name(r->confidence))
                                           : json_null());
        json_object_set_new(root, "class", ds_json_str(r->crash_class));
        json_object_set_new(root, "bucket", ds_json_str(r->bucket));
        json_object_set_new(root, "damaged", json_boolean(r->damaged));
    }
    size_t jf = JSON_PRESERVE_ORDER | (flags & DS_JSON_PRETTY ? JSON_INDENT(2) : JSON_COMPACT);
    char *out = json_dumps(root, jf);
    json_decref(root);
    return out;
}
