/*
 * Source lines of ELF modules: DWARF .debug_line of every compilation unit,
 * read once (on the first lookup) into one array sorted by address, and
 * DW_TAG_inlined_subroutine chains found at lookup time by walking only the
 * DIEs of the unit whose line row holds the address, descending only into
 * DIEs whose ranges hold it. Everything libdwarf reports as an error ends
 * the part of the work it concerns; what was read stays usable.
 */
#include <stdlib.h>
#include <string.h>

#include "symbols/elf_priv.h"

#define MAX_LINE_ROWS 16000000u /* refuse more: 16M rows is a very large program */
#define MAX_CUS 1000000u
#define MAX_DIES 200000u        /* DIEs visited by one inline lookup */
#define MAX_DEPTH 64            /* DIE nesting followed */

void elf_lines_free(ds_elfsym *e)
{
    free(e->lines);
    free(e->cus);
    free(e->files);
    e->lines = NULL;
    e->cus = NULL;
    e->files = NULL;
    e->nlines = e->ncus = e->nfiles = 0;
}

static void drop(Dwarf_Debug dbg, int rc, Dwarf_Error *de)
{
    if (rc == DW_DLV_ERROR && *de)
        ds_elflibs->dwarf_dealloc_error(dbg, *de);
    *de = NULL;
}

static bool grow(void **p, size_t *cap, size_t n, size_t el)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 256;
    if (ncap > SIZE_MAX / el)
        return false;
    void *q = realloc(*p, ncap * el);
    if (!q)
        return false;
    *p = q;
    *cap = ncap;
    return true;
}

/*
 * Index into a unit's file list of a DWARF file number (line rows and
 * DW_AT_call_file): DWARF 5 numbers files from 0, earlier versions from 1
 * (libdwarf's dwarf_srcfiles list follows the table). -1 when outside.
 */
static long file_index(const elf_cu *cu, uint64_t fileno)
{
    uint64_t i = cu->line_version >= 5 ? fileno : fileno - 1;
    if (cu->line_version < 5 && fileno == 0)
        return -1;
    return i < cu->nfiles ? (long)i : -1;
}

typedef struct builder {
    size_t cap_lines, cap_cus, cap_files;
} builder;

/* The unit's file names into e->files (offsets into e->names). */
static bool add_files(ds_elfsym *e, builder *b, Dwarf_Die cu_die, elf_cu *cu)
{
    char **list = NULL;
    Dwarf_Signed n = 0;
    Dwarf_Error de = NULL;
    int rc = ds_elflibs->dwarf_srcfiles(cu_die, &list, &n, &de);
    cu->file_base = (uint32_t)e->nfiles;
    cu->nfiles = 0;
    if (rc != DW_DLV_OK) {
        drop(e->dbg, rc, &de);
        return true;
    }
    bool ok = true;
    for (Dwarf_Signed i = 0; i < n; i++) {
        size_t off;
        if (ok && e->nfiles < UINT32_MAX &&
            (ok = grow((void **)&e->files, &b->cap_files, e->nfiles, sizeof *e->files) &&
                  elf_add_name(e, list[i] ? list[i] : "", &off))) {
            e->files[e->nfiles++] = off;
            cu->nfiles++;
        }
        ds_elflibs->dwarf_dealloc(e->dbg, list[i], DW_DLA_STRING);
    }
    ds_elflibs->dwarf_dealloc(e->dbg, list, DW_DLA_LIST);
    return ok;
}

/* One unit's line rows. false only when out of memory. */
static bool add_rows(ds_elfsym *e, builder *b, Dwarf_Line_Context lc, uint32_t cu_index)
{
    Dwarf_Line *rows = NULL;
    Dwarf_Signed n = 0;
    Dwarf_Error de = NULL;
    int rc = ds_elflibs->dwarf_srclines_from_linecontext(lc, &rows, &n, &de);
    if (rc != DW_DLV_OK) {
        drop(e->dbg, rc, &de);
        return true;
    }
    const elf_cu *cu = &e->cus[cu_index];
    size_t first = e->nlines;
    for (Dwarf_Signed i = 0; i < n && e->nlines < MAX_LINE_ROWS; i++) {
        Dwarf_Addr addr;
        Dwarf_Unsigned line = 0, fileno = 0;
        Dwarf_Bool end = 0;
        if (ds_elflibs->dwarf_lineaddr(rows[i], &addr, &de) != DW_DLV_OK ||
            ds_elflibs->dwarf_lineno(rows[i], &line, &de) != DW_DLV_OK ||
            ds_elflibs->dwarf_line_srcfileno(rows[i], &fileno, &de) != DW_DLV_OK ||
            ds_elflibs->dwarf_lineendsequence(rows[i], &end, &de) != DW_DLV_OK) {
            drop(e->dbg, DW_DLV_ERROR, &de);
            continue;
        }
        if (!grow((void **)&e->lines, &b->cap_lines, e->nlines, sizeof *e->lines))
            return false;
        /* Rows of one sequence at the same address: the last one holds (an
         * end row there leaves the earlier ones no code at all). */
        size_t at = e->nlines;
        if (at > first && e->lines[at - 1].addr == addr && !e->lines[at - 1].end)
            at--;
        long fi = file_index(cu, fileno);
        e->lines[at] = (elf_line){addr, line > UINT32_MAX ? UINT32_MAX : (uint32_t)line,
                                  fi < 0 ? UINT32_MAX : cu->file_base + (uint32_t)fi, cu_index,
                                  end != 0, at};
        e->nlines = at + 1;
    }
    return true;
}

static int cmp_line(const void *a, const void *b)
{
    const elf_line *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if (x->end != y->end) /* a sequence's end before the next one's start */
        return x->end ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* One unit: its DIE, file list and rows. false only when out of memory. */
static bool index_cu(ds_elfsym *e, builder *b, Dwarf_Die cu_die)
{
    Dwarf_Error de = NULL;
    Dwarf_Off off = 0;
    Dwarf_Unsigned version = 0;
    Dwarf_Small tables = 0;
    Dwarf_Line_Context lc = NULL;
    int rc = ds_elflibs->dwarf_dieoffset(cu_die, &off, &de);
    if (rc != DW_DLV_OK) {
        drop(e->dbg, rc, &de);
        return true;
    }
    rc = ds_elflibs->dwarf_srclines_b(cu_die, &version, &tables, &lc, &de);
    if (rc != DW_DLV_OK) {
        drop(e->dbg, rc, &de);
        return true; /* a unit without a line table */
    }
    bool ok = grow((void **)&e->cus, &b->cap_cus, e->ncus, sizeof *e->cus);
    if (ok) {
        elf_cu *cu = &e->cus[e->ncus];
        memset(cu, 0, sizeof *cu);
        cu->die = off;
        cu->line_version = version > 0xFFFF ? 0xFFFF : (uint16_t)version;
        Dwarf_Addr base;
        rc = ds_elflibs->dwarf_lowpc(cu_die, &base, &de);
        if (rc == DW_DLV_OK)
            cu->base = base;
        drop(e->dbg, rc, &de);
        ok = add_files(e, b, cu_die, cu);
        e->ncus++;
        ok = ok && add_rows(e, b, lc, (uint32_t)(e->ncus - 1));
    }
    ds_elflibs->dwarf_srclines_dealloc_b(lc);
    return ok;
}

static void build_index(ds_elfsym *e)
{
    builder b = {0};
    Dwarf_Debug dbg = e->dbg;
    for (size_t k = 0; k < MAX_CUS; k++) {
        Dwarf_Unsigned len = 0, typeoff = 0, next = 0;
        Dwarf_Half ver = 0, asize = 0, lsize = 0, esize = 0, type = 0;
        Dwarf_Off abbrev = 0;
        Dwarf_Sig8 sig;
        Dwarf_Error de = NULL;
        int rc = ds_elflibs->dwarf_next_cu_header_d(dbg, 1, &len, &ver, &abbrev, &asize, &lsize,
                                                    &esize, &sig, &typeoff, &next, &type, &de);
        if (rc != DW_DLV_OK) {
            drop(dbg, rc, &de);
            break;
        }
        Dwarf_Die cu_die = NULL;
        rc = ds_elflibs->dwarf_siblingof_b(dbg, NULL, 1, &cu_die, &de);
        if (rc != DW_DLV_OK) {
            drop(dbg, rc, &de);
            continue;
        }
        bool ok = index_cu(e, &b, cu_die);
        ds_elflibs->dwarf_dealloc_die(cu_die);
        if (!ok)
            break; /* out of memory: keep what was read */
    }
    if (e->nlines)
        qsort(e->lines, e->nlines, sizeof *e->lines, cmp_line);
}

/* The row covering rva, or NULL (no row below it, or a sequence ended). */
static const elf_line *find_row(const ds_elfsym *e, uint64_t rva)
{
    size_t lo = 0, hi = e->nlines;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->lines[mid].addr <= rva)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || e->lines[lo - 1].end)
        return NULL;
    return &e->lines[lo - 1];
}

/* ------------------------------------------------------ inlined calls */

typedef struct lookup {
    ds_elfsym *e;
    const elf_cu *cu;
    uint64_t rva;
    unsigned budget; /* DIEs still to visit */
    /* inlined calls covering rva, outermost first */
    ds_srcinline inl[DS_SRCLOC_MAX];
    char names[DS_SRCLOC_MAX][256];
    size_t n;
} lookup;

/* Does a DWARF 5 range list (DW_AT_ranges, rnglistx or sec_offset) hold rva? */
static bool rnglist_holds(lookup *k, Dwarf_Attribute at, Dwarf_Half form)
{
    Dwarf_Error de = NULL;
    Dwarf_Unsigned val = 0, count = 0, goff = 0;
    Dwarf_Off off = 0;
    int rc = form == DW_FORM_rnglistx ? ds_elflibs->dwarf_formudata(at, &val, &de)
                                      : ds_elflibs->dwarf_global_formref(at, &off, &de);
    if (rc != DW_DLV_OK) {
        drop(k->e->dbg, rc, &de);
        return false;
    }
    if (form != DW_FORM_rnglistx)
        val = off;
    Dwarf_Rnglists_Head head = NULL;
    rc = ds_elflibs->dwarf_rnglists_get_rle_head(at, form, val, &head, &count, &goff, &de);
    if (rc != DW_DLV_OK) {
        drop(k->e->dbg, rc, &de);
        return false;
    }
    bool hit = false;
    for (Dwarf_Unsigned i = 0; i < count && !hit; i++) {
        unsigned len = 0, code = 0;
        Dwarf_Unsigned raw1, raw2, lo = 0, hi = 0;
        Dwarf_Bool unavailable = 0;
        rc = ds_elflibs->dwarf_get_rnglists_entry_fields_a(head, i, &len, &code, &raw1, &raw2,
                                                           &unavailable, &lo, &hi, &de);
        if (rc != DW_DLV_OK) {
            drop(k->e->dbg, rc, &de);
            break;
        }
        if (code == DW_RLE_end_of_list)
            break;
        if (code != DW_RLE_base_address && code != DW_RLE_base_addressx && !unavailable)
            hit = k->rva >= lo && k->rva < hi;
    }
    ds_elflibs->dwarf_dealloc_rnglists_head(head);
    return hit;
}

/* Does a DWARF 2-4 .debug_ranges list hold rva? */
static bool ranges_holds(lookup *k, Dwarf_Die die, Dwarf_Attribute at)
{
    Dwarf_Error de = NULL;
    Dwarf_Off off = 0, real = 0;
    Dwarf_Unsigned u = 0, bytes = 0;
    int rc = ds_elflibs->dwarf_global_formref(at, &off, &de);
    if (rc != DW_DLV_OK) {
        drop(k->e->dbg, rc, &de);
        if ((rc = ds_elflibs->dwarf_formudata(at, &u, &de)) != DW_DLV_OK) {
            drop(k->e->dbg, rc, &de);
            return false;
        }
        off = u;
    }
    Dwarf_Ranges *r = NULL;
    Dwarf_Signed n = 0;
    rc = ds_elflibs->dwarf_get_ranges_b(k->e->dbg, off, die, &real, &r, &n, &bytes, &de);
    if (rc != DW_DLV_OK) {
        drop(k->e->dbg, rc, &de);
        return false;
    }
    bool hit = false;
    uint64_t base = k->cu->base;
    for (Dwarf_Signed i = 0; i < n && !hit; i++) {
        if (r[i].dwr_type == DW_RANGES_END)
            break;
        if (r[i].dwr_type == DW_RANGES_ADDRESS_SELECTION)
            base = r[i].dwr_addr2;
        else
            hit = k->rva >= base + r[i].dwr_addr1 && k->rva < base + r[i].dwr_addr2;
    }
    ds_elflibs->dwarf_ranges_dealloc(k->e->dbg, r, n);
    return hit;
}

/* Do the DIE's addresses (low/high pc or DW_AT_ranges) hold rva? */
static bool die_holds(lookup *k, Dwarf_Die die)
{
    Dwarf_Error de = NULL;
    Dwarf_Addr lo, hi;
    Dwarf_Half form = 0;
    enum Dwarf_Form_Class cls;
    int rc = ds_elflibs->dwarf_lowpc(die, &lo, &de);
    if (rc == DW_DLV_OK) {
        rc = ds_elflibs->dwarf_highpc_b(die, &hi, &form, &cls, &de);
        if (rc != DW_DLV_OK) {
            drop(k->e->dbg, rc, &de);
            return false;
        }
        if (cls == DW_FORM_CLASS_CONSTANT)
            hi = hi > UINT64_MAX - lo ? UINT64_MAX : lo + hi;
        return k->rva >= lo && k->rva < hi;
    }
    drop(k->e->dbg, rc, &de);
    Dwarf_Attribute at = NULL;
    rc = ds_elflibs->dwarf_attr(die, DW_AT_ranges, &at, &de);
    if (rc != DW_DLV_OK) {
        drop(k->e->dbg, rc, &de);
        return false;
    }
    bool hit = false;
    rc = ds_elflibs->dwarf_whatform(at, &form, &de);
    if (rc == DW_DLV_OK)
        hit = k->cu->line_version >= 5 || form == DW_FORM_rnglistx
                  ? rnglist_holds(k, at, form)
                  : ranges_holds(k, die, at);
    drop(k->e->dbg, rc, &de);
    ds_elflibs->dwarf_dealloc_attribute(at);
    return hit;
}

static bool attr_udata(lookup *k, Dwarf_Die die, Dwarf_Half name, Dwarf_Unsigned *v)
{
    Dwarf_Error de = NULL;
    Dwarf_Attribute at = NULL;
    Dwarf_Half form = 0;
    Dwarf_Signed sv = 0;
    int rc = ds_elflibs->dwarf_attr(die, name, &at, &de);
    if (rc != DW_DLV_OK) {
        drop(k->e->dbg, rc, &de);
        return false;
    }
    /* DWARF 5 compilers write call files as DW_FORM_implicit_const (signed) */
    if ((rc = ds_elflibs->dwarf_whatform(at, &form, &de)) == DW_DLV_OK) {
        if (form == DW_FORM_implicit_const) {
            rc = ds_elflibs->dwarf_formsdata(at, &sv, &de);
            if (rc == DW_DLV_OK && sv < 0)
                rc = DW_DLV_NO_ENTRY;
            *v = (Dwarf_Unsigned)sv;
        } else {
            rc = ds_elflibs->dwarf_formudata(at, v, &de);
        }
    }
    drop(k->e->dbg, rc, &de);
    ds_elflibs->dwarf_dealloc_attribute(at);
    return rc == DW_DLV_OK;
}

/* The DIE's name, else that of its abstract origin or specification. */
static void die_name(lookup *k, Dwarf_Die die, char *out, size_t cap, unsigned hops)
{
    Dwarf_Error de = NULL;
    char *name = NULL;
    int rc = ds_elflibs->dwarf_diename(die, &name, &de);
    if (rc == DW_DLV_OK && name) { /* points into the section: not freed */
        ds_srcloc_copy(out, cap, name, strlen(name));
        return;
    }
    drop(k->e->dbg, rc, &de);
    static const Dwarf_Half refs[] = {DW_AT_abstract_origin, DW_AT_specification};
    for (size_t i = 0; i < 2 && hops < 4; i++) {
        Dwarf_Attribute at = NULL;
        Dwarf_Off off = 0;
        Dwarf_Die target = NULL;
        if ((rc = ds_elflibs->dwarf_attr(die, refs[i], &at, &de)) != DW_DLV_OK) {
            drop(k->e->dbg, rc, &de);
            continue;
        }
        rc = ds_elflibs->dwarf_global_formref(at, &off, &de);
        ds_elflibs->dwarf_dealloc_attribute(at);
        if (rc == DW_DLV_OK)
            rc = ds_elflibs->dwarf_offdie_b(k->e->dbg, off, 1, &target, &de);
        drop(k->e->dbg, rc, &de);
        if (rc == DW_DLV_OK) {
            die_name(k, target, out, cap, hops + 1);
            ds_elflibs->dwarf_dealloc_die(target);
            return;
        }
    }
}

static void add_inline(lookup *k, Dwarf_Die die)
{
    if (k->n >= DS_SRCLOC_MAX)
        return; /* deeper calls are cut (DS_SRCLOC_MAX) */
    ds_srcinline *x = &k->inl[k->n];
    char *name = k->names[k->n];
    name[0] = 0;
    die_name(k, die, name, sizeof k->names[0], 0);
    Dwarf_Unsigned file = 0, line = 0;
    memset(x, 0, sizeof *x);
    x->name = name;
    x->name_len = strlen(name);
    if (attr_udata(k, die, DW_AT_call_file, &file)) {
        long fi = file_index(k->cu, file);
        if (fi >= 0) {
            x->call_file = k->e->names + k->e->files[k->cu->file_base + (size_t)fi];
            x->call_file_len = strlen(x->call_file);
        }
    }
    if (attr_udata(k, die, DW_AT_call_line, &line))
        x->call_line = line;
    k->n++;
}

/*
 * Among the children of parent, follow the DIEs that hold rva: functions,
 * inlined calls and lexical blocks by their ranges, namespaces and modules
 * always. Types are not entered: a member function's code is described by
 * a DIE at namespace or unit level (DW_AT_specification), the one in the
 * class only declares it. True once a holding DIE was found: the search
 * stops there, as ranges of siblings do not overlap.
 */
static bool search(lookup *k, Dwarf_Die parent, unsigned depth)
{
    Dwarf_Error de = NULL;
    Dwarf_Die d = NULL;
    if (depth > MAX_DEPTH)
        return false;
    int rc = ds_elflibs->dwarf_child(parent, &d, &de);
    if (rc != DW_DLV_OK) {
        drop(k->e->dbg, rc, &de);
        return false;
    }
    bool found = false;
    while (d && k->budget && !found) {
        k->budget--;
        Dwarf_Half tag = 0;
        if ((rc = ds_elflibs->dwarf_tag(d, &tag, &de)) != DW_DLV_OK)
            drop(k->e->dbg, rc, &de);
        switch (tag) {
        case DW_TAG_subprogram:
        case DW_TAG_inlined_subroutine:
        case DW_TAG_lexical_block:
        case DW_TAG_try_block:
        case DW_TAG_catch_block:
            if (die_holds(k, d)) {
                found = true;
                if (tag == DW_TAG_inlined_subroutine)
                    add_inline(k, d);
                search(k, d, depth + 1);
            }
            break;
        case DW_TAG_namespace: /* C++ and Fortran put definitions inside these */
        case DW_TAG_module:
            found = search(k, d, depth + 1);
            break;
        default:
            break;
        }
        Dwarf_Die sib = NULL;
        if (!found &&
            (rc = ds_elflibs->dwarf_siblingof_b(k->e->dbg, d, 1, &sib, &de)) != DW_DLV_OK) {
            drop(k->e->dbg, rc, &de);
            sib = NULL;
        }
        ds_elflibs->dwarf_dealloc_die(d);
        d = sib;
    }
    if (d)
        ds_elflibs->dwarf_dealloc_die(d);
    return found;
}

bool ds_elfsym_source(ds_elfsym *e, uint64_t rva, ds_srcloc *out)
{
    out->n = 0;
    if (!e || !elf_open_dwarf(e))
        return false;
    if (!e->lines_tried) {
        e->lines_tried = true;
        build_index(e);
    }
    const elf_line *row = find_row(e, rva);
    if (!row || row->cu >= e->ncus)
        return false;
    lookup *k = calloc(1, sizeof *k);
    if (!k)
        return false;
    k->e = e;
    k->cu = &e->cus[row->cu];
    k->rva = rva;
    k->budget = MAX_DIES;
    Dwarf_Error de = NULL;
    Dwarf_Die cu_die = NULL;
    int rc = ds_elflibs->dwarf_offdie_b(e->dbg, k->cu->die, 1, &cu_die, &de);
    if (rc == DW_DLV_OK) {
        search(k, cu_die, 0);
        ds_elflibs->dwarf_dealloc_die(cu_die);
    }
    drop(e->dbg, rc, &de);
    const char *file = row->file < e->nfiles ? e->names + e->files[row->file] : NULL;
    ds_srcloc_build(out, k->inl, k->n, file, file ? strlen(file) : 0, row->line);
    free(k);
    return true;
}
