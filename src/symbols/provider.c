/*
 * The symbol sources behind one interface (symbols/provider.h). Each
 * source works in its own coordinates: PDBs and export tables in 32-bit
 * RVAs, Breakpad in module offsets, ELF in link-time virtual addresses;
 * the provider turns a module offset into the source's own.
 */
#include <stdio.h>
#include <string.h>

#include "image/image.h"
#include "symbols/breakpad.h"
#include "symbols/elf.h"
#include "symbols/pdb.h"
#include "symbols/provider.h"

/* --------------------------------------------------------------- PDB */

static bool pdb_identity(const ds_symprov *p, const ds_codeview *cv, char *detail, size_t cap)
{
    const ds_pdb *pdb = p->src;
    ds_codeview got = {.is_pdb70 = true};
    ds_pdb_identity(pdb, got.guid, &got.age);
    uint32_t info_age = ds_pdb_info_age(pdb);
    bool has = ds_pdb_has_guid(pdb);
    /* The image names the DBI age; accept the info-stream age as well for
     * PDBs whose writer kept the two equal but left the DBI age zero. */
    if (has && memcmp(got.guid, cv->guid, 16) == 0 && (got.age == cv->age || info_age == cv->age))
        return true;
    char g[48], e[48];
    ds_codeview_id(&got, true, g, sizeof g);
    ds_codeview_id(cv, true, e, sizeof e);
    snprintf(detail, cap, "PDB identity %s, expected %s", has ? g : "(no GUID)", e);
    return false;
}

static bool pdb_lookup(const ds_symprov *p, uint64_t off, ds_symhit *out)
{
    ds_pdb_symbol s;
    if (off > UINT32_MAX || !ds_pdb_lookup(p->src, (uint32_t)off, &s))
        return false;
    snprintf(out->name, sizeof out->name, "%s", s.name);
    out->start = s.rva;
    out->function = s.is_function;
    out->source = s.is_function ? DS_SYM_PDB_FUNCTION : DS_SYM_PDB_PUBLIC;
    return true;
}

static bool pdb_source(const ds_symprov *p, uint64_t off, ds_srcloc *out)
{
    return off <= UINT32_MAX && ds_pdb_source(p->src, (uint32_t)off, out);
}

/* FPO and FrameData are not a rule step: the x86 unwinder reads them itself
 * (ds_unwind_env.fpo_at), interleaved with its own heuristics. */
const ds_symprov_ops ds_symprov_pdb = {"pdb", pdb_identity, pdb_lookup, pdb_source, NULL};

/* ---------------------------------------------------------- Breakpad */

static bool bp_lookup(const ds_symprov *p, uint64_t off, ds_symhit *out)
{
    ds_bpsym_func f;
    if (!ds_bpsym_lookup(p->src, off, &f))
        return false;
    snprintf(out->name, sizeof out->name, "%s", f.name);
    out->start = f.address;
    out->function = f.is_function;
    out->source = DS_SYM_BREAKPAD;
    return true;
}

static bool bp_source(const ds_symprov *p, uint64_t off, ds_srcloc *out)
{
    return ds_bpsym_source(p->src, off, out);
}

static bool bp_unwind(const ds_symprov *p, ds_symstep *st, ds_context *caller)
{
    /* Breakpad looks up the instruction: the pc itself for the context
     * frame, the byte before a return address for callers. */
    uint64_t rva = st->callee->pc - p->base;
    if (!st->first && rva)
        rva--;
    ds_bpsym_walk w = {.callee_param_size = st->first ? 0 : st->callee_params,
                       .context_frame = st->first, .stack_lo = st->stack_lo,
                       .stack_hi = st->stack_hi, .code_check = st->code_check, .arg = st->arg};
    ds_trust trust;
    bool ok = ds_bpsym_unwind_ex(p->src, rva, st->callee, st->mem, &w, caller, &trust);
    uint32_t params = 0;
    ds_bpsym_param_size(p->src, rva, &params);
    st->params = ok ? params : 0;
    return ok;
}

/* The store accepts a .sym file by its MODULE line before it is opened. */
const ds_symprov_ops ds_symprov_breakpad = {"breakpad", NULL, bp_lookup, bp_source, bp_unwind};

/* --------------------------------------------------------------- ELF */

static bool elf_identity(const ds_symprov *p, const ds_codeview *cv, char *detail, size_t cap)
{
    uint8_t id[32];
    size_t n = 0;
    if (ds_elfsym_build_id(p->src, id, sizeof id, &n) && n == cv->build_id_len &&
        memcmp(id, cv->build_id, n) == 0)
        return true;
    char hex[65] = "none";
    for (size_t k = 0; n && k < n && k < 32; k++)
        snprintf(hex + 2 * k, 3, "%02x", id[k]);
    snprintf(detail, cap, "build id %s", hex);
    return false;
}

static bool elf_lookup(const ds_symprov *p, uint64_t off, ds_symhit *out)
{
    uint64_t start = 0, size = 0;
    if (!ds_elfsym_lookup(p->src, p->base + off - p->bias, out->name, sizeof out->name, &start,
                          &size))
        return false;
    out->start = start + p->bias - p->base; /* back to an offset in the module */
    out->function = size != 0;
    out->source = DS_SYM_ELF;
    return true;
}

static bool elf_source(const ds_symprov *p, uint64_t off, ds_srcloc *out)
{
    return ds_elfsym_source(p->src, p->base + off - p->bias, out);
}

static bool elf_unwind(const ds_symprov *p, ds_symstep *st, ds_context *caller)
{
    uint64_t rva = st->callee->pc - p->bias;
    if (!st->first)
        rva--;
    st->params = 0;
    return ds_elfsym_unwind(p->src, rva, st->callee, st->mem, p->bias, caller);
}

const ds_symprov_ops ds_symprov_elf = {"elf", elf_identity, elf_lookup, elf_source, elf_unwind};

/* ----------------------------------------------------------- exports */

/* Unexported functions sit between exports: when .pdata shows the address
 * in a function that starts after the nearest export, that export is not
 * its name (doc/formats.md 7.2). */
static bool pdata_says_other_function(const ds_image *im, uint32_t rva, uint32_t export_rva)
{
    ds_runtime_function rf;
    return ds_image_function_entry(im, rva, &rf) && rf.begin > export_rva;
}

static bool exports_lookup(const ds_symprov *p, uint64_t off, ds_symhit *out)
{
    uint32_t start;
    if (off > UINT32_MAX ||
        !ds_image_export_lookup(p->src, (uint32_t)off, out->name, sizeof out->name, &start) ||
        pdata_says_other_function(p->src, (uint32_t)off, start))
        return false;
    out->start = start;
    out->function = false; /* an export bounds nothing */
    out->source = DS_SYM_EXPORT;
    return true;
}

/* The store accepts an image by its header's timestamp and size. */
const ds_symprov_ops ds_symprov_exports = {"exports", NULL, exports_lookup, NULL, NULL};

/* -------------------------------------------------------------- lists */

static const ds_symprov *opened(const ds_symprov_list *l, size_t k)
{
    if (l->open)
        l->open(l->ctx, k);
    return l->items[k].src ? &l->items[k] : NULL;
}

bool ds_symprov_find(const ds_symprov_list *l, size_t from, size_t to, uint64_t off,
                     bool functions_only, ds_symhit *out, size_t *which)
{
    for (size_t k = from; k < to && k < l->n; k++) {
        const ds_symprov *p = opened(l, k);
        if (p && p->ops->lookup(p, off, out) && (out->function || !functions_only)) {
            if (which)
                *which = k;
            return true;
        }
    }
    return false;
}

bool ds_symprov_unwind(const ds_symprov_list *l, ds_symstep *st, ds_context *caller)
{
    st->params = 0;
    for (size_t k = 0; k < l->n; k++) {
        if (!l->items[k].ops->unwind)
            continue;
        const ds_symprov *p = opened(l, k);
        if (p)
            return p->ops->unwind(p, st, caller);
    }
    return false;
}

bool ds_symprov_source(const ds_symprov *p, uint64_t off, ds_srcloc *out)
{
    return p && p->src && p->ops->source && p->ops->source(p, off, out);
}
