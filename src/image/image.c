/*
 * Image views: one module's PE image, read either through the dump's memory
 * view (mapped layout: RVA = offset from the base, pages may be missing) or
 * from a PE file (RVA -> file offset through the section table). Everything
 * the file or the dump says is bounds-checked; the section table, .pdata and
 * the export directory are hostile input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "io/bytes.h"
#include "io/source.h"

#define HEADER_BYTES 0x1000u     /* headers of real images fit in one page */
#define MAX_SECTIONS 96u         /* the PE loader's own limit */
#define MAX_PDATA_ENTRIES (1u << 22)
#define MAX_INDIRECT 8           /* indirect .pdata entries followed at most */
#define MAX_EXPORT_NAMES 65536u
#define SCN_MEM_EXECUTE 0x20000000u

typedef struct img_section {
    uint32_t va, vext;        /* virtual start and extent */
    uint32_t raw_ptr, raw_len;/* file bytes backing it (raw_len clipped to the file) */
    uint32_t chars;
} img_section;

typedef struct img_export {
    uint32_t rva;
    uint32_t name_rva;
    uint32_t order;           /* index in the name table: ties are broken by it */
} img_export;

struct ds_image {
    ds_pe pe;
    uint64_t base;
    uint32_t limit;           /* RVAs at or above are never read */
    bool is_file;
    const ds_memview *mem;    /* dump images */
    ds_source src;            /* ds_image_from_file */
    const uint8_t *data;      /* file images: the file bytes */
    size_t size;
    uint32_t hdr_len;         /* file images: header bytes readable at RVA 0 */
    img_section sec[MAX_SECTIONS];
    unsigned nsec;
    /* export cache, built on first lookup (0 = not yet, 1 = built, -1 = none) */
    int exports_state;
    img_export *exports;
    size_t nexports;
};

/* ------------------------------------------------------------ creation */

static void parse_sections(ds_image *im, const uint8_t *hdr, size_t hdr_len, uint64_t file_size)
{
    unsigned n = im->pe.nsections;
    if (n > MAX_SECTIONS)
        n = MAX_SECTIONS;
    for (unsigned i = 0; i < n; i++) {
        uint64_t off = (uint64_t)im->pe.section_table + 40ull * i;
        if (!ds_in_bounds(off, 40, hdr_len))
            break;
        const uint8_t *s = hdr + off;
        uint32_t vsize = ds_le32(s + 0x08), va = ds_le32(s + 0x0C);
        uint32_t raw_len = ds_le32(s + 0x10), raw_ptr = ds_le32(s + 0x14);
        img_section *d = &im->sec[im->nsec];
        d->va = va;
        d->vext = vsize ? vsize : raw_len;
        if ((uint64_t)va + d->vext > UINT32_MAX) /* wraps: keep what fits */
            d->vext = UINT32_MAX - va;
        d->raw_ptr = raw_ptr;
        if (raw_ptr >= file_size)
            raw_len = 0;
        else if (raw_len > file_size - raw_ptr)
            raw_len = (uint32_t)(file_size - raw_ptr);
        d->raw_len = raw_len;
        d->chars = ds_le32(s + 0x24);
        if (d->vext)
            im->nsec++;
    }
}

ds_image *ds_image_from_dump(const ds_module *m, const ds_memview *mem)
{
    if (!m || !mem)
        return NULL;
    uint8_t *hdr = malloc(HEADER_BYTES);
    if (!hdr)
        return NULL;
    size_t got = ds_mem_read(mem, m->base, hdr, HEADER_BYTES);
    ds_image *im = calloc(1, sizeof *im);
    if (!im || !ds_pe_parse(hdr, got, &im->pe)) {
        free(hdr);
        free(im);
        return NULL;
    }
    im->base = m->base;
    im->mem = mem;
    /* Never read past the module's range: a damaged header must not make
     * one image read another module's memory. */
    uint64_t limit = im->pe.size_of_image ? im->pe.size_of_image : m->size;
    if (m->size && m->size < limit)
        limit = m->size;
    if (limit > UINT32_MAX)
        limit = UINT32_MAX;
    if (m->base + limit < m->base) /* would wrap the address space */
        limit = UINT64_MAX - m->base;
    im->limit = (uint32_t)limit;
    /* In memory the raw layout does not matter: only virtual extents. */
    parse_sections(im, hdr, got, UINT64_MAX);
    free(hdr);
    return im;
}

static ds_image *from_bytes(ds_image *im, uint64_t base, ds_error *err)
{
    if (!ds_pe_parse(im->data, im->size, &im->pe)) {
        if (err)
            ds_set_error(err, DS_E_CORRUPT, "not a PE image (no valid MZ/PE headers)");
        return NULL;
    }
    im->base = base;
    im->is_file = true;
    im->limit = im->pe.size_of_image;
    uint64_t h = im->pe.size_of_headers;
    if (h > im->size)
        h = im->size;
    if (h > im->limit)
        h = im->limit;
    im->hdr_len = (uint32_t)h;
    parse_sections(im, im->data, im->size, im->size);
    return im;
}

ds_image *ds_image_from_memory(const void *data, size_t size, uint64_t base, ds_error *err)
{
    ds_image *im = calloc(1, sizeof *im);
    if (!im) {
        if (err)
            ds_set_error(err, DS_E_NOMEM, "out of memory");
        return NULL;
    }
    im->data = data;
    im->size = data ? size : 0;
    if (!from_bytes(im, base, err)) {
        free(im);
        return NULL;
    }
    return im;
}

ds_image *ds_image_from_file(const char *path, uint64_t base, ds_error *err)
{
    ds_image *im = calloc(1, sizeof *im);
    if (!im) {
        if (err)
            ds_set_error(err, DS_E_NOMEM, "out of memory");
        return NULL;
    }
    ds_error e;
    if (ds_source_open_file(&im->src, path, DS_SOURCE_WHOLE, err ? err : &e) != 0) {
        free(im);
        return NULL;
    }
    im->data = im->src.bytes.data;
    im->size = (size_t)im->src.bytes.size;
    if (!from_bytes(im, base, err)) {
        ds_source_close(&im->src);
        free(im);
        return NULL;
    }
    return im;
}

void ds_image_close(ds_image *im)
{
    if (!im)
        return;
    if (im->src.bytes.data)
        ds_source_close(&im->src);
    free(im->exports);
    free(im);
}

const ds_pe *ds_image_pe(const ds_image *im) { return &im->pe; }
uint64_t ds_image_base(const ds_image *im) { return im->base; }
bool ds_image_is_file(const ds_image *im) { return im->is_file; }
uint32_t ds_image_size(const ds_image *im) { return im->limit; }

/* --------------------------------------------------------------- reads */

static const img_section *section_at(const ds_image *im, uint32_t rva)
{
    for (unsigned i = 0; i < im->nsec; i++) {
        const img_section *s = &im->sec[i];
        if (rva >= s->va && rva - s->va < s->vext)
            return s;
    }
    return NULL;
}

/* File layout: one contiguous piece at rva; 0 when nothing maps there. */
static size_t file_piece(const ds_image *im, uint32_t rva, uint8_t *out, size_t len)
{
    const img_section *s = section_at(im, rva);
    if (s) {
        uint32_t off = rva - s->va;
        size_t room = s->vext - off;
        if (len > room)
            len = room;
        if (off < s->raw_len) {
            size_t have = s->raw_len - off;
            if (len > have)
                len = have;
            memcpy(out, im->data + s->raw_ptr + off, len);
        } else {
            memset(out, 0, len); /* inside VirtualSize, past the raw data */
        }
        return len;
    }
    if (rva < im->hdr_len) {
        size_t have = im->hdr_len - rva;
        if (len > have)
            len = have;
        memcpy(out, im->data + rva, len);
        return len;
    }
    return 0;
}

size_t ds_image_read(const ds_image *im, uint32_t rva, void *buf, size_t len)
{
    if (!im || !buf || rva >= im->limit)
        return 0;
    if (len > (size_t)(im->limit - rva))
        len = im->limit - rva;
    if (!im->is_file)
        return ds_mem_read(im->mem, im->base + rva, buf, len);
    size_t done = 0;
    while (done < len) {
        size_t got = file_piece(im, rva + (uint32_t)done, (uint8_t *)buf + done, len - done);
        if (!got)
            break;
        done += got;
    }
    return done;
}

static bool read_u32(const ds_image *im, uint32_t rva, uint32_t *out)
{
    uint8_t b[4];
    if (ds_image_read(im, rva, b, 4) != 4)
        return false;
    *out = ds_le32(b);
    return true;
}

bool ds_image_is_code(const ds_image *im, uint32_t rva)
{
    if (!im || rva >= im->limit)
        return false;
    const img_section *s = section_at(im, rva);
    return s && (s->chars & SCN_MEM_EXECUTE);
}

/* ------------------------------------------------------------- .pdata */

static bool exception_dir(const ds_image *im, unsigned entry_size, uint32_t *rva,
                          uint32_t *count)
{
    if (im->pe.ndirs <= DS_PE_DIR_EXCEPTION)
        return false;
    *rva = im->pe.dirs[DS_PE_DIR_EXCEPTION].rva;
    uint32_t n = im->pe.dirs[DS_PE_DIR_EXCEPTION].size / entry_size;
    if (!*rva || !n)
        return false;
    if (n > MAX_PDATA_ENTRIES)
        n = MAX_PDATA_ENTRIES;
    *count = n;
    return true;
}

/* Index of the last entry whose first word (begin RVA) is <= rva: a binary
 * search reading one entry per probe. -1 with *unreadable when a probe
 * failed, -1 alone when every begin is above rva. */
static int64_t search_begin(const ds_image *im, uint32_t table, uint32_t n, unsigned esize,
                            uint32_t rva, bool *unreadable)
{
    uint32_t lo = 0, hi = n;
    int64_t cand = -1;
    *unreadable = false;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint32_t begin;
        if (!read_u32(im, table + mid * esize, &begin)) {
            *unreadable = true;
            return -1;
        }
        if (begin <= rva) {
            cand = mid;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return cand;
}

ds_image_lookup ds_image_function_lookup(const ds_image *im, uint32_t rva,
                                         ds_runtime_function *out)
{
    uint32_t table, n;
    if (!im || !exception_dir(im, 12, &table, &n))
        return DS_IMAGE_ABSENT;
    if ((uint64_t)table + 12ull * n > UINT32_MAX)
        n = (UINT32_MAX - table) / 12;
    bool bad;
    int64_t i = search_begin(im, table, n, 12, rva, &bad);
    if (bad)
        return DS_IMAGE_UNREADABLE;
    if (i < 0)
        return DS_IMAGE_ABSENT;
    uint8_t e[12];
    if (ds_image_read(im, table + (uint32_t)i * 12, e, 12) != 12)
        return DS_IMAGE_UNREADABLE;
    ds_runtime_function rf = {ds_le32(e), ds_le32(e + 4), ds_le32(e + 8)};
    if (rva >= rf.end)
        return DS_IMAGE_ABSENT;
    /* Indirect entry: the unwind word names another RUNTIME_FUNCTION. */
    for (unsigned k = 0; rf.unwind_info & 1; k++) {
        if (k == MAX_INDIRECT)
            return DS_IMAGE_UNREADABLE; /* a cycle or a corrupt chain */
        if (ds_image_read(im, rf.unwind_info & ~1u, e, 12) != 12)
            return DS_IMAGE_UNREADABLE;
        rf = (ds_runtime_function){ds_le32(e), ds_le32(e + 4), ds_le32(e + 8)};
    }
    if (out)
        *out = rf;
    return DS_IMAGE_FOUND;
}

bool ds_image_function_entry(const ds_image *im, uint32_t rva, ds_runtime_function *out)
{
    return ds_image_function_lookup(im, rva, out) == DS_IMAGE_FOUND;
}

ds_image_lookup ds_image_arm64_lookup(const ds_image *im, uint32_t rva, uint32_t *begin,
                                      uint32_t *data)
{
    uint32_t table, n;
    if (!im || !exception_dir(im, 8, &table, &n))
        return DS_IMAGE_ABSENT;
    if ((uint64_t)table + 8ull * n > UINT32_MAX)
        n = (UINT32_MAX - table) / 8;
    bool bad;
    int64_t i = search_begin(im, table, n, 8, rva, &bad);
    if (bad)
        return DS_IMAGE_UNREADABLE;
    if (i < 0)
        return DS_IMAGE_ABSENT;
    uint8_t e[8];
    if (ds_image_read(im, table + (uint32_t)i * 8, e, 8) != 8)
        return DS_IMAGE_UNREADABLE;
    uint32_t b = ds_le32(e), d = ds_le32(e + 4);
    /* The entry holds no end: take the function length from the packed
     * word or the .xdata header. An unreadable .xdata leaves the extent
     * unknown; the entry is still the best candidate. */
    uint64_t len = 0;
    bool known = true;
    if ((d & 3) == 1 || (d & 3) == 2) {
        len = ((d >> 2) & 0x7FF) * 4ull;
    } else if ((d & 3) == 0) {
        uint32_t w;
        if (read_u32(im, d, &w))
            len = (w & 0x3FFFF) * 4ull;
        else
            known = false;
    } else {
        known = false; /* reserved form */
    }
    if (known && (uint64_t)rva >= (uint64_t)b + len)
        return DS_IMAGE_ABSENT;
    if (begin)
        *begin = b;
    if (data)
        *data = d;
    return DS_IMAGE_FOUND;
}

bool ds_image_arm64_entry(const ds_image *im, uint32_t rva, uint32_t *begin, uint32_t *data)
{
    return ds_image_arm64_lookup(im, rva, begin, data) == DS_IMAGE_FOUND;
}

/* ------------------------------------------------------------- exports */

/* Read count elements of esize bytes at rva; ok[i] says element i was wholly
 * present (dump pages may be missing anywhere in the array). */
static bool read_array(const ds_image *im, uint32_t rva, size_t count, unsigned esize,
                       uint8_t **buf_out, uint8_t **ok_out)
{
    size_t bytes = count * esize;
    uint8_t *buf = calloc(bytes ? bytes : 1, 1), *valid = calloc(bytes ? bytes : 1, 1);
    uint8_t *ok = calloc(count ? count : 1, 1);
    if (!buf || !valid || !ok) {
        free(buf);
        free(valid);
        free(ok);
        return false;
    }
    size_t off = 0;
    while (off < bytes) {
        uint64_t at = (uint64_t)rva + off;
        if (at > UINT32_MAX)
            break;
        size_t chunk = 0x1000 - (size_t)(at & 0xFFF); /* one page at a time */
        if (chunk > bytes - off)
            chunk = bytes - off;
        size_t got = ds_image_read(im, (uint32_t)at, buf + off, chunk);
        memset(valid + off, 1, got);
        off += chunk;
    }
    for (size_t i = 0; i < count; i++) {
        ok[i] = 1;
        for (unsigned k = 0; k < esize; k++)
            ok[i] &= valid[i * esize + k];
    }
    free(valid);
    *buf_out = buf;
    *ok_out = ok;
    return true;
}

static int cmp_export(const void *a, const void *b)
{
    const img_export *x = a, *y = b;
    if (x->rva != y->rva)
        return x->rva < y->rva ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void build_exports(ds_image *im)
{
    im->exports_state = -1;
    if (im->pe.ndirs <= DS_PE_DIR_EXPORT)
        return;
    uint32_t dir = im->pe.dirs[DS_PE_DIR_EXPORT].rva, dsize = im->pe.dirs[DS_PE_DIR_EXPORT].size;
    uint8_t d[40];
    if (!dir || ds_image_read(im, dir, d, sizeof d) != sizeof d)
        return;
    uint32_t nfuncs = ds_le32(d + 0x14), nnames = ds_le32(d + 0x18);
    uint32_t funcs_rva = ds_le32(d + 0x1C), names_rva = ds_le32(d + 0x20);
    uint32_t ords_rva = ds_le32(d + 0x24);
    if (nnames > MAX_EXPORT_NAMES)
        nnames = MAX_EXPORT_NAMES;
    if (nfuncs > MAX_EXPORT_NAMES) /* name ordinals are u16: no index reaches further */
        nfuncs = MAX_EXPORT_NAMES;
    if (!nnames || !nfuncs)
        return;
    uint8_t *names = NULL, *names_ok = NULL, *ords = NULL, *ords_ok = NULL;
    uint8_t *funcs = NULL, *funcs_ok = NULL;
    img_export *ex = NULL;
    if (!read_array(im, names_rva, nnames, 4, &names, &names_ok) ||
        !read_array(im, ords_rva, nnames, 2, &ords, &ords_ok) ||
        !read_array(im, funcs_rva, nfuncs, 4, &funcs, &funcs_ok))
        goto done;
    ex = malloc(nnames * sizeof *ex);
    if (!ex)
        goto done;
    size_t n = 0;
    for (uint32_t i = 0; i < nnames; i++) {
        if (!names_ok[i] || !ords_ok[i])
            continue;
        uint16_t idx = ds_le16(ords + 2 * i);
        if (idx >= nfuncs || !funcs_ok[idx])
            continue;
        uint32_t rva = ds_le32(funcs + 4 * idx);
        /* An address inside the export directory is a forwarder string. */
        if (!rva || (rva >= dir && rva - dir < dsize))
            continue;
        ex[n++] = (img_export){rva, ds_le32(names + 4 * i), i};
    }
    if (n) {
        qsort(ex, n, sizeof *ex, cmp_export);
        im->exports = ex;
        im->nexports = n;
        im->exports_state = 1;
        ex = NULL;
    }
done:
    free(ex);
    free(names);
    free(names_ok);
    free(ords);
    free(ords_ok);
    free(funcs);
    free(funcs_ok);
}

bool ds_image_export_lookup(const ds_image *cim, uint32_t rva, char *name, size_t len,
                            uint32_t *export_rva)
{
    if (!cim || !name || len < 2)
        return false;
    /* The cache is filled on first use; images are created per module and
     * owned by one walker at a time (not thread-safe). */
    ds_image *im = (ds_image *)cim;
    if (im->exports_state == 0)
        build_exports(im);
    if (im->exports_state != 1)
        return false;
    size_t lo = 0, hi = im->nexports;
    while (lo < hi) { /* first entry with rva > target */
        size_t mid = lo + (hi - lo) / 2;
        if (im->exports[mid].rva <= rva)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return false;
    uint32_t at = im->exports[lo - 1].rva;
    while (lo > 1 && im->exports[lo - 2].rva == at) /* aliases: the first name */
        lo--;
    const img_export *e = &im->exports[lo - 1];
    size_t got = ds_image_read(im, e->name_rva, name, len - 1);
    size_t n = 0;
    while (n < got && name[n])
        n++;
    /* A name cut short by a missing page is not a name. */
    if (n == 0 || (n == got && got < len - 1))
        return false;
    name[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7F)
            name[i] = '?';
    if (export_rva)
        *export_rva = e->rva;
    return true;
}
