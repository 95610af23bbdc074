/*
 * A JSON Schema validator for the subset schema/dumpscan-report.schema.json
 * uses (draft 2020-12 semantics), over jansson. Test code only.
 *
 * Supported keywords:
 *   type (a name or an array of names; "integer" is a number with no fraction,
 *   "number" any number), properties, required, additionalProperties (boolean
 *   or schema), items (one schema for every element), minItems, maxItems,
 *   enum, const, pattern (POSIX extended regex, unanchored like ECMA-262:
 *   write ^...$), minimum, maximum, minLength, maxLength (in code points),
 *   $ref ("#/$defs/NAME" only), allOf, anyOf, oneOf, not, and boolean schemas.
 * Annotations ignored: $schema, $id, $comment, title, description, default,
 *   examples, deprecated, $defs (resolved by $ref).
 * Any other keyword makes js_compile() fail, so a schema can never rely on a
 * check that is silently skipped. Keywords that apply to one JSON type
 * (properties, pattern, items, ...) ignore instances of other types, as the
 * specification says.
 */
#ifndef DS_TESTS_JSON_SCHEMA_H
#define DS_TESTS_JSON_SCHEMA_H

#include <jansson.h>
#include <stddef.h>

typedef struct js_validator js_validator;

/* One call per violation: path like "$.stacks[0].frames[3].trust", msg what is wrong. */
typedef void (*js_report_fn)(void *ctx, const char *path, const char *msg);

/*
 * Check and prepare a schema (a new reference to it is kept). Returns NULL with
 * err filled when the schema is outside the subset: an unknown keyword, a
 * malformed keyword value, a $ref that does not resolve, a pattern regcomp
 * rejects.
 */
js_validator *js_compile(json_t *schema, char *err, size_t errlen);

/* Number of violations in doc (0: valid). report may be NULL. */
size_t js_validate(const js_validator *v, const json_t *doc, js_report_fn report, void *ctx);

void js_free(js_validator *v);

#endif
