/*
 * ELF symbols and DWARF CFI (see elf.h). libelf reads the symbol tables and
 * notes from a private copy of the file (elf_memory); libdwarf reads the
 * call-frame information through its own file reader, opened lazily the
 * first time a frame needs it. Rules that need a DWARF expression are not
 * evaluated: the step fails and the unwinder falls back to its own methods.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/bytes.h"
#include "io/file.h"
#include "io/source.h"
#include "symbols/elf_priv.h"

/* The caller names the file; the message says only what is wrong with it. */
static void set_err(ds_error *err, const char *what, const char *path)
{
    (void)path;
    ds_set_error(err, strcmp(what, "out of memory") == 0 ? DS_E_NOMEM : DS_E_CORRUPT, "%s", what);
}

/* ------------------------------------------------------- section sanity */

/* Deflate cannot expand by more than about 1032:1; anything claiming more is
 * a lie, and so is a section larger than MAX_FILE_SIZE once inflated. */
#define MAX_INFLATE_RATIO 1032u

static bool inflated_size_ok(uint64_t claimed, uint64_t stored)
{
    return claimed <= MAX_FILE_SIZE && claimed / MAX_INFLATE_RATIO <= stored;
}

static uint64_t be64_at(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/*
 * The unit headers of a DWARF 5 .debug_rnglists / .debug_loclists section:
 * unit_length (4 bytes, or 0xffffffff and 8), version 5, address size 4 or
 * 8, no segment selector, offset_entry_count offsets; each unit inside the
 * section. libdwarf 20210528 frees twice when loading a malformed one.
 */
static bool lists_sane(const uint8_t *p, size_t size)
{
    size_t off = 0;
    while (off < size) {
        if (size - off < 4)
            return false;
        uint64_t len = (uint64_t)p[off] | (uint64_t)p[off + 1] << 8 |
                       (uint64_t)p[off + 2] << 16 | (uint64_t)p[off + 3] << 24;
        size_t hdr = 4, osize = 4;
        if (len == 0xffffffffu) {
            if (size - off < 12)
                return false;
            len = 0;
            for (int i = 7; i >= 0; i--)
                len = len << 8 | p[off + 4 + (size_t)i];
            hdr = 12;
            osize = 8;
        } else if (len >= 0xfffffff0u) {
            return false;
        }
        if (len < 8 || len > size - off - hdr)
            return false;
        const uint8_t *u = p + off + hdr;
        uint32_t count = (uint32_t)u[4] | (uint32_t)u[5] << 8 | (uint32_t)u[6] << 16 |
                         (uint32_t)u[7] << 24;
        if ((u[0] | u[1] << 8) != 5 || (u[2] != 4 && u[2] != 8) || u[3] != 0 ||
            (uint64_t)count * osize > len - 8)
            return false;
        off += hdr + (size_t)len;
    }
    return true;
}

/*
 * libdwarf re-reads the file with its own reader and trusts the section
 * table: a section that claims to inflate to terabytes (SHF_COMPRESSED's
 * ch_size, or the size in a GNU ".zdebug" header) becomes a malloc of that
 * size, and offsets past the end become reads of garbage. Check the table
 * against our copy of the file before libdwarf may see it, and the unit
 * headers of the DWARF 5 list sections (lists_sane); symbols from libelf
 * stay usable either way (elf_memory bounds its own reads).
 */
static bool sections_sane(ds_elfsym *e, const GElf_Ehdr *eh)
{
    size_t shnum, shstrndx;
    if (ds_elflibs->elf_getshdrnum(e->elf, &shnum) != 0 ||
        ds_elflibs->elf_getshdrstrndx(e->elf, &shstrndx) != 0)
        return false;
    if (shnum == 0)
        return true;
    bool is64 = eh->e_ident[EI_CLASS] == ELFCLASS64;
    uint64_t entsize = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
    if (eh->e_shentsize != entsize || shnum > e->size / entsize ||
        !ds_in_bounds(eh->e_shoff, shnum * entsize, e->size) || shstrndx >= shnum)
        return false;
    Elf_Scn *scn = NULL;
    while ((scn = ds_elflibs->elf_nextscn(e->elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (!ds_elflibs->gelf_getshdr(scn, &sh))
            return false;
        if (sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL)
            continue;
        if (!ds_in_bounds(sh.sh_offset, sh.sh_size, e->size))
            return false;
        const uint8_t *data = (const uint8_t *)e->data + sh.sh_offset;
        if (sh.sh_flags & SHF_COMPRESSED) {
            /* Elf32_Chdr: type, size, align (4 bytes each); Elf64_Chdr: type,
             * reserved, size (8), align (8). Byte order is the file's. */
            GElf_Chdr ch;
            if (sh.sh_size < (is64 ? 24u : 12u) || !ds_elflibs->gelf_getchdr(scn, &ch) ||
                !inflated_size_ok(ch.ch_size, sh.sh_size))
                return false;
        }
        const char *name = ds_elflibs->elf_strptr(e->elf, shstrndx, sh.sh_name);
        if (name && strncmp(name, ".zdebug", 7) == 0 && sh.sh_size >= 12 &&
            memcmp(data, "ZLIB", 4) == 0 && !inflated_size_ok(be64_at(data + 4), sh.sh_size))
            return false;
        if (!name || (strcmp(name, ".debug_rnglists") != 0 && strcmp(name, ".debug_loclists") != 0))
            continue;
        /* inflated in our in-memory copy only: libdwarf reads the file itself */
        if ((sh.sh_flags & SHF_COMPRESSED) && ds_elflibs->elf_compress(scn, 0, 0) < 0)
            return false;
        Elf_Data *d = ds_elflibs->elf_getdata(scn, NULL);
        if (d && d->d_size && (!d->d_buf || !lists_sane(d->d_buf, d->d_size)))
            return false;
    }
    return true;
}

/* ------------------------------------------------------------ build id */

static bool note_build_id(ds_elfsym *e, Elf_Data *d)
{
    if (!d || !d->d_buf)
        return false;
    size_t off = 0, next, name_off, desc_off;
    GElf_Nhdr nh;
    while (off < d->d_size &&
           (next = ds_elflibs->gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
        if (next <= off)
            break;
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && nh.n_descsz > 0 &&
            name_off <= d->d_size && 4 <= d->d_size - name_off && desc_off <= d->d_size &&
            nh.n_descsz <= d->d_size - desc_off &&
            memcmp((const char *)d->d_buf + name_off, "GNU", 4) == 0) {
            size_t n = nh.n_descsz < MAX_BUILD_ID ? nh.n_descsz : MAX_BUILD_ID;
            memcpy(e->build_id, (const char *)d->d_buf + desc_off, n);
            e->build_id_len = nh.n_descsz;
            e->has_build_id = true;
            return true;
        }
        off = next;
    }
    return false;
}

static void find_build_id(ds_elfsym *e)
{
    Elf_Scn *scn = NULL;
    while ((scn = ds_elflibs->elf_nextscn(e->elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (ds_elflibs->gelf_getshdr(scn, &sh) && sh.sh_type == SHT_NOTE &&
            note_build_id(e, ds_elflibs->elf_getdata(scn, NULL)))
            return;
    }
    size_t nph = 0;
    if (ds_elflibs->elf_getphdrnum(e->elf, &nph) != 0)
        return;
    for (size_t i = 0; i < nph && i < 4096; i++) {
        GElf_Phdr ph;
        if (!ds_elflibs->gelf_getphdr(e->elf, (int)i, &ph) || ph.p_type != PT_NOTE)
            continue;
        if (ph.p_offset > e->size || ph.p_filesz > e->size - ph.p_offset)
            continue;
        Elf_Data *d =
            ds_elflibs->elf_getdata_rawchunk(e->elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
        if (note_build_id(e, d))
            return;
    }
}

static void find_min_vaddr(ds_elfsym *e)
{
    size_t nph = 0;
    bool any = false;
    uint64_t lo = 0;
    if (ds_elflibs->elf_getphdrnum(e->elf, &nph) != 0)
        return;
    for (size_t i = 0; i < nph && i < 4096; i++) {
        GElf_Phdr ph;
        if (ds_elflibs->gelf_getphdr(e->elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
            (!any || ph.p_vaddr < lo)) {
            lo = ph.p_vaddr;
            any = true;
        }
    }
    e->min_vaddr = lo & ~(uint64_t)0xfff; /* mappings start on a page */
}

/* ------------------------------------------------------------- symbols */

bool elf_add_name(ds_elfsym *e, const char *s, size_t *off)
{
    size_t n = strnlen(s, 4096);
    if (e->names_cap - e->names_len < n + 1) {
        size_t cap = e->names_cap ? e->names_cap : 4096;
        while (cap - e->names_len < n + 1)
            cap *= 2;
        char *p = realloc(e->names, cap);
        if (!p)
            return false;
        e->names = p;
        e->names_cap = cap;
    }
    memcpy(e->names + e->names_len, s, n);
    e->names[e->names_len + n] = '\0';
    *off = e->names_len;
    e->names_len += n + 1;
    return true;
}

static bool add_func(ds_elfsym *e, size_t *cap, uint64_t start, uint64_t size, const char *name)
{
    if (e->nfuncs >= MAX_FUNCS)
        return false;
    if (e->nfuncs == *cap) {
        size_t ncap = *cap ? *cap * 2 : 256;
        elf_func *p = realloc(e->funcs, ncap * sizeof *p);
        if (!p)
            return false;
        e->funcs = p;
        *cap = ncap;
    }
    elf_func *f = &e->funcs[e->nfuncs];
    if (!elf_add_name(e, name, &f->name))
        return false;
    f->start = start;
    f->size = size;
    e->nfuncs++;
    return true;
}

static int func_cmp(const void *a, const void *b)
{
    const elf_func *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1; /* the sized one first */
    return x->name < y->name ? -1 : x->name > y->name;
}

static bool load_symbols(ds_elfsym *e)
{
    size_t cap = 0;
    Elf_Scn *scn = NULL;
    while ((scn = ds_elflibs->elf_nextscn(e->elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (!ds_elflibs->gelf_getshdr(scn, &sh) ||
            (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
            continue;
        Elf_Data *d = ds_elflibs->elf_getdata(scn, NULL);
        if (!d || !d->d_buf || !sh.sh_entsize)
            continue;
        size_t n = d->d_size / (ds_elflibs->gelf_fsize(e->elf, ELF_T_SYM, 1, EV_CURRENT)
                                    ? ds_elflibs->gelf_fsize(e->elf, ELF_T_SYM, 1, EV_CURRENT)
                                    : 1);
        for (size_t i = 0; i < n && i <= INT32_MAX; i++) {
            GElf_Sym sym;
            if (!ds_elflibs->gelf_getsym(d, (int)i, &sym))
                break;
            int type = GELF_ST_TYPE(sym.st_info);
            if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
                sym.st_value == 0)
                continue;
            const char *name = ds_elflibs->elf_strptr(e->elf, sh.sh_link, sym.st_name);
            if (!name || !*name)
                continue;
            if (!add_func(e, &cap, sym.st_value, sym.st_size, name))
                return e->nfuncs >= MAX_FUNCS; /* keep what fits; OOM fails */
        }
    }
    if (e->nfuncs)
        qsort(e->funcs, e->nfuncs, sizeof *e->funcs, func_cmp);
    return true;
}

bool ds_elfsym_lookup(ds_elfsym *e, uint64_t rva, char *name, size_t len, uint64_t *start,
                      uint64_t *size)
{
    if (!e || !e->nfuncs)
        return false;
    /* last symbol starting at or below rva */
    size_t lo = 0, hi = e->nfuncs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->funcs[mid].start <= rva)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return false;
    size_t top = lo - 1;
    const elf_func *hit = NULL;
    /* a sized symbol holding rva; nested or overlapping ones are rare, so a
     * short look back is enough */
    for (size_t k = 0; k < 64 && k <= top; k++) {
        const elf_func *f = &e->funcs[top - k];
        if (f->size && rva - f->start < f->size) {
            hit = f;
            break;
        }
    }
    if (!hit) {
        /* the nearest symbol below, when it has no size: no bound known */
        size_t i = top;
        while (i > 0 && e->funcs[i - 1].start == e->funcs[top].start)
            i--;
        if (e->funcs[i].size != 0)
            return false;
        hit = &e->funcs[i];
    }
    if (name && len)
        snprintf(name, len, "%s", e->names + hit->name);
    if (start)
        *start = hit->start;
    if (size)
        *size = hit->size;
    return true;
}

/* ---------------------------------------------------------- open/close */

ds_elfsym *ds_elfsym_open(const char *path, ds_error *err)
{
    const char *why = ds_elflibs_load(); /* loaded now: only ELF symbol files need them */
    if (why) {
        ds_set_error(err, DS_E_UNSUPPORTED, "%s", why);
        return NULL;
    }
    ds_elfsym *e = calloc(1, sizeof *e);
    if (!e) {
        set_err(err, "out of memory", path);
        return NULL;
    }
    e->fd = -1;
    size_t plen = strlen(path) + 1;
    e->path = malloc(plen);
    if (!e->path)
        goto oom;
    memcpy(e->path, path, plen);
    uint8_t *bytes;
    if (ds_file_load(path, MAX_FILE_SIZE, &bytes, &e->size, NULL) != 0) {
        set_err(err, "cannot read the file", path);
        goto fail;
    }
    e->data = (char *)bytes;
    e->elf = ds_elflibs->elf_memory(e->data, e->size);
    if (!e->elf || ds_elflibs->elf_kind(e->elf) != ELF_K_ELF) {
        set_err(err, "not an ELF file", path);
        goto fail;
    }
    GElf_Ehdr eh;
    if (!ds_elflibs->gelf_getehdr(e->elf, &eh)) {
        set_err(err, "bad ELF header", path);
        goto fail;
    }
    e->dwarf_unsafe = !sections_sane(e, &eh);
    find_build_id(e);
    find_min_vaddr(e);
    if (!load_symbols(e))
        goto oom;
    return e;
oom:
    set_err(err, "out of memory", path);
fail:
    ds_elfsym_close(e);
    return NULL;
}

static void free_frames(Dwarf_Debug dbg, frame_list *l)
{
    if (l->cies || l->fdes)
        ds_elflibs->dwarf_fde_cie_list_dealloc(dbg, l->cies, l->ncies, l->fdes, l->nfdes);
    memset(l, 0, sizeof *l);
}

void ds_elfsym_close(ds_elfsym *e)
{
    if (!e)
        return;
    elf_lines_free(e);
    if (e->dbg) {
        Dwarf_Error de = NULL;
        free_frames(e->dbg, &e->eh);
        free_frames(e->dbg, &e->debug);
        ds_elflibs->dwarf_finish(e->dbg, &de);
    }
    if (e->fd >= 0)
        close(e->fd);
    if (e->elf)
        ds_elflibs->elf_end(e->elf);
    free(e->data);
    free(e->funcs);
    free(e->names);
    free(e->path);
    free(e);
}

bool ds_elfsym_build_id(const ds_elfsym *e, uint8_t *out, size_t cap, size_t *len)
{
    if (!e || !e->has_build_id)
        return false;
    size_t n = e->build_id_len < MAX_BUILD_ID ? e->build_id_len : MAX_BUILD_ID;
    if (out)
        memcpy(out, e->build_id, n < cap ? n : cap);
    if (len)
        *len = e->build_id_len;
    return true;
}

uint64_t ds_elfsym_min_vaddr(const ds_elfsym *e)
{
    return e ? e->min_vaddr : 0;
}

/* ------------------------------------------------------------ DWARF CFI */

static void drop_error(Dwarf_Debug dbg, int rc, Dwarf_Error *de)
{
    if (rc == DW_DLV_ERROR && *de)
        ds_elflibs->dwarf_dealloc_error(dbg, *de);
    *de = NULL;
}


bool elf_open_dwarf(ds_elfsym *e)
{
    if (e->dwarf_tried)
        return e->dbg != NULL;
    e->dwarf_tried = true;
    if (e->dwarf_unsafe)
        return false;
    /* libdwarf reads the file again: it must still be the file checked. */
    uint64_t size = 0;
    e->fd = ds_file_open(e->path, &size, NULL);
    if (e->fd >= 0 && size != e->size) {
        close(e->fd);
        e->fd = -1;
    }
    if (e->fd < 0)
        return false;
    Dwarf_Error de = NULL;
    Dwarf_Debug dbg = NULL;
    int rc =
        ds_elflibs->dwarf_init_b(e->fd, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL, &dbg, &de);
    if (rc != DW_DLV_OK) {
        drop_error(dbg, rc, &de);
        close(e->fd);
        e->fd = -1;
        return false;
    }
    e->dbg = dbg;
    ds_elflibs->dwarf_set_frame_rule_table_size(dbg, RULE_TABLE_SIZE);
    ds_elflibs->dwarf_set_frame_rule_initial_value(dbg, DW_FRAME_SAME_VAL);
    ds_elflibs->dwarf_set_frame_cfa_value(dbg, DW_FRAME_CFA_COL3);
    ds_elflibs->dwarf_set_frame_same_value(dbg, DW_FRAME_SAME_VAL);
    ds_elflibs->dwarf_set_frame_undefined_value(dbg, DW_FRAME_UNDEFINED_VAL);
    frame_list *l = &e->eh;
    rc = ds_elflibs->dwarf_get_fde_list_eh(dbg, &l->cies, &l->ncies, &l->fdes, &l->nfdes, &de);
    if (rc != DW_DLV_OK) {
        drop_error(dbg, rc, &de);
        memset(l, 0, sizeof *l);
    }
    l = &e->debug;
    rc = ds_elflibs->dwarf_get_fde_list(dbg, &l->cies, &l->ncies, &l->fdes, &l->nfdes, &de);
    if (rc != DW_DLV_OK) {
        drop_error(dbg, rc, &de);
        memset(l, 0, sizeof *l);
    }
    return true;
}

/* Per-architecture register facts: DWARF column -> ds_context index. */
typedef struct cfi_arch {
    unsigned ncols;      /* DWARF columns mapped */
    const int8_t *map;   /* ds index per column, -1 none */
    unsigned ra_col;     /* return-address column */
    unsigned ptr;        /* pointer size */
    unsigned pc, sp, fp; /* ds indexes */
    uint64_t callee_saved; /* ds indexes the ABI preserves across calls */
} cfi_arch;

static const int8_t map_x64[17] = {0, 2, 1, 3, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const int8_t map_x86[9] = {0, 1, 2, 3, 4, 5, 6, 7, 16};
static const int8_t map_arm64[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                     11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                     22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
static const int8_t map_arm[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static bool arch_of(ds_arch a, cfi_arch *out)
{
    switch (a) {
    case DS_ARCH_X64:
        *out = (cfi_arch){17, map_x64, 16, 8, 16, 4, 5,
                          1ull << 3 | 1ull << 5 | 0xFull << 12};
        return true;
    case DS_ARCH_X86:
        *out = (cfi_arch){9, map_x86, 8, 4, 16, 4, 5, 1ull << 3 | 1ull << 5 | 1ull << 6 | 1ull << 7};
        return true;
    case DS_ARCH_ARM64:
        *out = (cfi_arch){32, map_arm64, 30, 8, 32, 31, 29, 0x7FFull << 19};
        return true;
    case DS_ARCH_ARM:
        *out = (cfi_arch){16, map_arm, 14, 4, 15, 13, 11, 0xFFull << 4};
        return true;
    default:
        return false;
    }
}

static bool find_fde(ds_elfsym *e, uint64_t rva, Dwarf_Fde *fde)
{
    frame_list *lists[2] = {&e->eh, &e->debug};
    for (int i = 0; i < 2; i++) {
        if (!lists[i]->fdes || lists[i]->nfdes <= 0)
            continue;
        Dwarf_Error de = NULL;
        Dwarf_Addr lo = 0, hi = 0;
        int rc = ds_elflibs->dwarf_get_fde_at_pc(lists[i]->fdes, rva, fde, &lo, &hi, &de);
        if (rc == DW_DLV_OK)
            return true;
        drop_error(e->dbg, rc, &de);
    }
    return false;
}

static bool callee_reg(const ds_context *c, const cfi_arch *a, unsigned dwreg, uint64_t *v)
{
    if (dwreg >= a->ncols || a->map[dwreg] < 0)
        return false;
    unsigned i = (unsigned)a->map[dwreg];
    if (i == a->sp) {
        *v = (c->valid >> i & 1) ? c->regs[i] : c->sp;
        return true;
    }
    if (!(c->valid >> i & 1))
        return false;
    *v = c->regs[i];
    return true;
}

bool ds_elfsym_unwind(ds_elfsym *e, uint64_t rva, const ds_context *callee,
                      const ds_memview *mem, uint64_t load_bias, ds_context *caller)
{
    (void)load_bias; /* CFI values are addresses in the dump already; kept for the API */
    cfi_arch a;
    if (!e || !callee || !mem || !caller || !arch_of(callee->arch, &a) || !elf_open_dwarf(e))
        return false;
    Dwarf_Fde fde = NULL;
    if (!find_fde(e, rva, &fde))
        return false;
    Dwarf_Regtable_Entry3 rules[RULE_TABLE_SIZE];
    memset(rules, 0, sizeof rules);
    Dwarf_Regtable3 tab;
    memset(&tab, 0, sizeof tab);
    tab.rt3_reg_table_size = RULE_TABLE_SIZE;
    tab.rt3_rules = rules;
    Dwarf_Addr row_pc = 0;
    Dwarf_Error de = NULL;
    int rc = ds_elflibs->dwarf_get_fde_info_for_all_regs3(fde, rva, &tab, &row_pc, &de);
    if (rc != DW_DLV_OK) {
        drop_error(e->dbg, rc, &de);
        return false;
    }
    uint64_t mask = a.ptr == 4 ? 0xFFFFFFFFull : ~0ull;

    /* CFA = register + offset */
    const Dwarf_Regtable_Entry3 *cr = &tab.rt3_cfa_rule;
    uint64_t cfa;
    if (cr->dw_value_type != DW_EXPR_OFFSET || !callee_reg(callee, &a, cr->dw_regnum, &cfa))
        return false;
    if (cr->dw_offset_relevant)
        cfa += cr->dw_offset_or_block_len; /* signed offset, two's complement */
    cfa &= mask;

    ds_context out;
    memset(&out, 0, sizeof out);
    out.arch = callee->arch;
    bool have_ra = false;
    uint64_t ra = 0;
    for (unsigned col = 0; col < a.ncols; col++) {
        int di = a.map[col];
        if (di < 0)
            continue;
        const Dwarf_Regtable_Entry3 *r = &rules[col];
        uint64_t v = 0;
        bool ok = false;
        if (r->dw_regnum == DW_FRAME_UNDEFINED_VAL) {
            ok = false;
        } else if (r->dw_regnum == DW_FRAME_SAME_VAL) {
            /* the default rule too: trust it only where the ABI does (and
             * for the return-address column: a leaf keeps it in lr) */
            if (col == a.ra_col || (a.callee_saved >> di & 1))
                ok = callee_reg(callee, &a, col, &v);
        } else if (r->dw_value_type == DW_EXPR_OFFSET && r->dw_offset_relevant) {
            uint64_t at = (cfa + r->dw_offset_or_block_len) & mask;
            ok = ds_mem_ptr(mem, at, a.ptr, &v);
        } else if (r->dw_value_type == DW_EXPR_OFFSET) {
            ok = callee_reg(callee, &a, r->dw_regnum, &v);
        } else if (r->dw_value_type == DW_EXPR_VAL_OFFSET) {
            v = cfa + r->dw_offset_or_block_len;
            ok = true;
        }
        v &= mask;
        if (col == a.ra_col) {
            have_ra = ok;
            ra = v;
        }
        if (ok && (unsigned)di != a.pc && (unsigned)di != a.sp) {
            out.regs[di] = v;
            out.valid |= 1ull << di;
        }
    }
    if (!have_ra)
        return false;
    out.regs[a.pc] = ra;
    out.regs[a.sp] = cfa;
    out.valid |= 1ull << a.pc | 1ull << a.sp;
    out.pc = ra;
    out.sp = cfa;
    out.fp = (out.valid >> a.fp & 1) ? out.regs[a.fp] : 0;
    *caller = out;
    return true;
}

/* ------------------------------------------------ code or not code */

int ds_elfsym_is_code(const ds_elfsym *e, uint64_t vaddr)
{
    if (!e || !e->elf)
        return -1;
    /* Sections, when the file has them: executable ones only. */
    bool any = false;
    Elf_Scn *scn = NULL;
    for (size_t k = 0; k < 65536 && (scn = ds_elflibs->elf_nextscn(e->elf, scn)) != NULL; k++) {
        GElf_Shdr sh;
        if (!ds_elflibs->gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
            sh.sh_type == SHT_NOBITS)
            continue;
        any = true;
        if ((sh.sh_flags & SHF_EXECINSTR) && vaddr >= sh.sh_addr &&
            vaddr - sh.sh_addr < sh.sh_size)
            return 1;
    }
    if (any)
        return 0;
    /* Else executable segments, past the headers mapped at their start. */
    GElf_Ehdr eh;
    size_t nph = 0;
    if (!ds_elflibs->gelf_getehdr(e->elf, &eh) || ds_elflibs->elf_getphdrnum(e->elf, &nph) != 0)
        return -1;
    uint64_t headers = eh.e_phoff + (uint64_t)nph * eh.e_phentsize;
    for (size_t i = 0; i < nph && i < 4096; i++) {
        GElf_Phdr ph;
        if (ds_elflibs->gelf_getphdr(e->elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
            (ph.p_flags & PF_X) && vaddr >= ph.p_vaddr && vaddr - ph.p_vaddr < ph.p_memsz)
            return ph.p_offset + (vaddr - ph.p_vaddr) >= headers ? 1 : 0;
    }
    return 0;
}
