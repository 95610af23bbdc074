/*
 * PDB (MSF 7.0) reader. The file is mapped; streams are read through their
 * block lists on demand, so opening a large PDB costs the stream directory
 * and two small headers. Layouts follow the public MSF/PDB descriptions
 * (LLVM "PDB File Format" pages, microsoft/pdb-rs docs):
 *
 *   superblock -> block map -> stream directory (sizes + block lists)
 *   stream 1   PDB info: version, signature, age, GUID, named stream map
 *   stream 3   DBI: header, module infos, section contributions, ...,
 *              optional debug header (FPO, OMAP, section header streams)
 *   module streams: CodeView symbol records (S_GPROC32 ...)
 *   public index (PSI) address map -> S_PUB32 records in the global stream
 *
 * Every number read from the file is checked before use: a hostile PDB
 * yields an error or no result, never an out-of-bounds read, a hang, or an
 * allocation larger than the file. Lookups cache state in the ds_pdb, so a
 * ds_pdb must not be used from two threads at once.
 */
#include <stdlib.h>
#include <string.h>

#include "io/bytes.h"
#include "io/file.h"
#include "io/source.h"
#include "symbols/pdb.h"

#define MSF_MAGIC_LEN 32
static const char msf_magic[] = "Microsoft C/C++ MSF 7.00\r\n\x1a"
                                "DS\0\0\0";

#define NIL_STREAM 0xFFFFFFFFu   /* directory size of an absent stream */
#define NO_STREAM16 0xFFFFu      /* stream index "none" in DBI fields */

/* PDB info stream versions from VC70 on carry a GUID. */
#define PDB_VC70 20000404u

/* Section contribution substream versions (0xEFFE0000 + date). */
#define SC_VER60 (0xEFFE0000u + 19970605u)
#define SC_VER2 (0xEFFE0000u + 20140516u)

/* CodeView symbol kinds used here. */
enum {
    S_THUNK32 = 0x1102,
    S_PUB32 = 0x110E,
    S_LPROC32 = 0x110F,
    S_GPROC32 = 0x1110,
    S_SEPCODE = 0x1132,
    S_LPROC32_ID = 0x1146,
    S_GPROC32_ID = 0x1147,
    S_LPROC32_DPC = 0x1155,
    S_LPROC32_DPC_ID = 0x1156,
};

/* Indexes into the DBI optional debug header. */
enum {
    DBG_FPO = 0,
    DBG_OMAP_TO_SRC = 3,
    DBG_OMAP_FROM_SRC = 4,    /* not needed: lookups only map toward the source */
    DBG_SECTION_HDR = 5,
    DBG_NEW_FPO = 9,
    DBG_SECTION_HDR_ORIG = 10,
    DBG_COUNT = 11
};

#define MODULE_CACHE 16          /* parsed module symbol streams kept */
#define MAX_SECTIONS 0xFFFFu
#define FPO_BACKTRACK 64         /* entries examined below a FrameData hit */

typedef struct msf_stream {
    uint32_t size;          /* 0 for nil or unusable streams */
    const uint8_t *blocks;  /* ceil(size / block size) LE u32, inside dir */
} msf_stream;

typedef struct pdb_section {
    uint32_t va, extent;
} pdb_section;

typedef struct pdb_contrib {
    uint16_t sec, mod;
    uint32_t off, size;
} pdb_contrib;

typedef struct pdb_module {
    uint32_t stream;        /* NIL_STREAM when the module has none */
    uint32_t sym_bytes;
} pdb_module;

typedef struct pdb_proc {
    uint32_t off, len;
    uint32_t name_off, name_max; /* name bytes inside the cached stream copy */
    uint32_t rec_off;            /* record offset (S_SEPCODE parents point here) */
    uint16_t seg;
} pdb_proc;

typedef struct pdb_modcache {
    uint32_t stream;        /* NIL_STREAM: slot unused */
    uint8_t *buf;
    size_t len;
    pdb_proc *procs;
    size_t nprocs;
    uint64_t used;          /* LRU tick */
} pdb_modcache;

/* Lazily loaded tables: not tried yet, loaded, or failed for good. */
enum { LAZY_NONE = 0, LAZY_OK, LAZY_FAILED };

struct ds_pdb {
    void *map;
    size_t map_len;
    ds_bytes file;
    uint32_t bs, nblocks;
    uint8_t *dir;
    uint32_t nstreams;
    msf_stream *st;

    uint32_t info_version, age, dbi_age;
    bool has_guid;
    uint8_t guid[16];

    bool dbi_ok;
    uint16_t machine;
    uint32_t psi, gss;
    uint64_t modi_off, modi_len, sc_off, sc_len;
    uint32_t dbg[DBG_COUNT];

    int sec_state;
    pdb_section *secs;
    uint32_t nsecs;
    bool omap;              /* addresses go through OMAP tables */

    int contrib_state;
    pdb_contrib *contribs;
    size_t ncontribs;

    int mod_state;
    pdb_module *mods;
    size_t nmods;

    pdb_modcache cache[MODULE_CACHE];
    uint64_t tick;

    int names_state;
    uint32_t names_stream;

    char program[1024];     /* last FrameData program string returned */
};

/* ------------------------------------------------------------ streams */

static const msf_stream *stream_at(const ds_pdb *p, uint32_t idx)
{
    return idx < p->nstreams && p->st[idx].size ? &p->st[idx] : NULL;
}

/* Copy len bytes at off of a stream, block by block. */
static bool st_read(const ds_pdb *p, const msf_stream *s, uint64_t off, void *buf,
                    size_t len)
{
    if (!s || !ds_in_bounds(off, len, s->size))
        return false;
    uint8_t *out = buf;
    while (len) {
        uint64_t bi = off / p->bs, bo = off % p->bs;
        uint32_t blk = ds_le32(s->blocks + 4 * bi);
        size_t n = p->bs - bo < len ? (size_t)(p->bs - bo) : len;
        const uint8_t *src = ds_span(p->file, (uint64_t)blk * p->bs + bo, n);
        if (!src)
            return false; /* the block lies past the end of a truncated file */
        memcpy(out, src, n);
        out += n, off += n, len -= n;
    }
    return true;
}

static bool st_u32(const ds_pdb *p, const msf_stream *s, uint64_t off, uint32_t *v)
{
    uint8_t b[4];
    if (!st_read(p, s, off, b, 4))
        return false;
    *v = ds_le32(b);
    return true;
}

/* A private copy of part of a stream (bounded by the stream size, which
 * directory validation bounds by the file size). */
static uint8_t *st_copy(const ds_pdb *p, const msf_stream *s, uint64_t off, uint64_t len)
{
    if (!s || !ds_in_bounds(off, len, s->size))
        return NULL;
    uint8_t *b = malloc(len ? (size_t)len : 1);
    if (b && !st_read(p, s, off, b, (size_t)len)) {
        free(b);
        return NULL;
    }
    return b;
}

/* NUL-terminated name of at most max bytes to a printable C string. */
static void copy_name(char *dst, size_t cap, const uint8_t *src, size_t max)
{
    size_t n = 0;
    while (n < max && n + 1 < cap && src[n]) {
        uint8_t c = src[n];
        dst[n] = c < 0x20 || c == 0x7F ? '?' : (char)c; /* no terminal escapes */
        n++;
    }
    dst[n] = '\0';
}

/* ------------------------------------------------------------ opening */

static int parse_directory(ds_pdb *p, ds_error *err)
{
    ds_bytes f = p->file;
    const uint8_t *sb = ds_span(f, 0, 56);
    if (!sb || memcmp(sb, msf_magic, MSF_MAGIC_LEN) != 0) {
        ds_set_error(err, "not an MSF 7.0 PDB");
        return -1;
    }
    uint32_t bs = ds_le32(sb + 32), nblocks = ds_le32(sb + 40);
    uint32_t dir_bytes = ds_le32(sb + 44), map_addr = ds_le32(sb + 52);
    if (bs < 512 || bs > 65536 || (bs & (bs - 1))) {
        ds_set_error(err, "PDB: bad block size %u", bs);
        return -1;
    }
    /* A truncated file still has readable streams below the cut; blocks
     * past the end fail when read. Blocks the file cannot hold at all are
     * refused here so the bitmap below stays small. */
    uint64_t file_blocks = (f.size + bs - 1) / bs;
    if (nblocks > file_blocks)
        nblocks = (uint32_t)file_blocks;
    p->bs = bs;
    p->nblocks = nblocks;
    if (dir_bytes < 4 || dir_bytes > (uint64_t)nblocks * bs) {
        ds_set_error(err, "PDB: bad stream directory size %u", dir_bytes);
        return -1;
    }
    uint32_t ndir = (uint32_t)((dir_bytes + (uint64_t)bs - 1) / bs);
    if (ndir > bs / 4 || map_addr >= nblocks) {
        ds_set_error(err, "PDB: bad stream directory block map");
        return -1;
    }
    const uint8_t *map = ds_span(f, (uint64_t)map_addr * bs, 4ull * ndir);
    if (!map) {
        ds_set_error(err, "PDB: block map outside the file");
        return -1;
    }
    p->dir = malloc(dir_bytes);
    if (!p->dir) {
        ds_set_error(err, "out of memory");
        return -1;
    }
    for (uint32_t i = 0; i < ndir; i++) {
        uint32_t blk = ds_le32(map + 4 * i);
        uint32_t n = i + 1 < ndir ? bs : dir_bytes - i * bs;
        const uint8_t *src = blk < nblocks ? ds_span(f, (uint64_t)blk * bs, n) : NULL;
        if (!src) {
            ds_set_error(err, "PDB: stream directory block %u invalid", blk);
            return -1;
        }
        memcpy(p->dir + (size_t)i * bs, src, n);
    }

    uint32_t nstreams = ds_le32(p->dir);
    if (nstreams > (dir_bytes - 4) / 4) {
        ds_set_error(err, "PDB: %u streams do not fit the directory", nstreams);
        return -1;
    }
    p->st = calloc(nstreams ? nstreams : 1, sizeof *p->st);
    /* Each block may belong to one stream only: real writers never share
     * blocks, and refusing it bounds all streams together by the file size. */
    uint8_t *claimed = calloc(nblocks / 8 + 1, 1);
    if (!p->st || !claimed) {
        free(claimed);
        ds_set_error(err, "out of memory");
        return -1;
    }
    claimed[0] |= 1; /* the superblock */
    p->nstreams = nstreams;
    uint64_t pos = 4 + 4ull * nstreams;
    for (uint32_t i = 0; i < nstreams; i++) {
        uint32_t size = ds_le32(p->dir + 4 + 4ull * i);
        if (size == NIL_STREAM)
            continue;
        uint64_t nb = ((uint64_t)size + bs - 1) / bs;
        if (!ds_in_bounds(pos, 4 * nb, dir_bytes)) {
            /* Later streams' block lists are missing: keep what came before. */
            p->nstreams = i;
            break;
        }
        const uint8_t *list = p->dir + pos;
        pos += 4 * nb;
        bool ok = true;
        for (uint64_t b = 0; b < nb && ok; b++) {
            uint32_t blk = ds_le32(list + 4 * b);
            if (blk >= nblocks || (claimed[blk / 8] & (1u << (blk % 8))))
                ok = false;
            else
                claimed[blk / 8] |= (uint8_t)(1u << (blk % 8));
        }
        if (ok) {
            p->st[i].size = size;
            p->st[i].blocks = list;
        }
    }
    free(claimed);
    return 0;
}

static int parse_info(ds_pdb *p, ds_error *err)
{
    const msf_stream *s = stream_at(p, 1);
    uint8_t h[28];
    if (!s || !st_read(p, s, 0, h, 12)) {
        ds_set_error(err, "PDB: no PDB info stream");
        return -1;
    }
    p->info_version = ds_le32(h);
    p->age = ds_le32(h + 8);
    if (p->info_version >= PDB_VC70 && st_read(p, s, 0, h, 28)) {
        memcpy(p->guid, h + 12, 16);
        p->has_guid = true;
    }
    return 0;
}

/* DBI header and substream placement. A missing or damaged DBI leaves the
 * PDB usable for identity checks; lookups then find nothing. */
static void parse_dbi(ds_pdb *p)
{
    for (int i = 0; i < DBG_COUNT; i++)
        p->dbg[i] = NO_STREAM16;
    p->psi = p->gss = NO_STREAM16;
    const msf_stream *s = stream_at(p, 3);
    uint8_t h[64];
    if (!s || !st_read(p, s, 0, h, sizeof h) || ds_le32(h) != 0xFFFFFFFFu)
        return;
    p->dbi_age = ds_le32(h + 8);
    p->psi = ds_le16(h + 16);
    p->gss = ds_le16(h + 20);
    p->machine = ds_le16(h + 58);
    /* Substream sizes are signed in the format: a negative one is damage. */
    /* Header offsets of the substream sizes, in stream order: modules,
     * contributions, section map, sources, type server map, edit-and-
     * continue, optional debug header. EC comes before the debug header in
     * the stream although its size field comes after it. */
    static const int at[7] = {24, 28, 32, 36, 40, 52, 48};
    int32_t sizes[7];
    uint64_t off[7], pos = 64;
    for (int i = 0; i < 7; i++) {
        sizes[i] = (int32_t)ds_le32(h + at[i]);
        if (sizes[i] < 0)
            return;
        off[i] = pos;
        pos += (uint32_t)sizes[i];
    }
    bool modi_ok = ds_in_bounds(off[0], (uint32_t)sizes[0], s->size);
    bool sc_ok = ds_in_bounds(off[1], (uint32_t)sizes[1], s->size);
    if (modi_ok) {
        p->modi_off = off[0];
        p->modi_len = (uint32_t)sizes[0];
    }
    if (sc_ok) {
        p->sc_off = off[1];
        p->sc_len = (uint32_t)sizes[1];
    }
    if (ds_in_bounds(off[6], (uint32_t)sizes[6], s->size)) {
        uint32_t n = (uint32_t)sizes[6] / 2;
        for (uint32_t i = 0; i < n && i < DBG_COUNT; i++) {
            uint8_t b[2];
            if (st_read(p, s, off[6] + 2 * i, b, 2))
                p->dbg[i] = ds_le16(b);
        }
    }
    p->dbi_ok = modi_ok && sc_ok;
}

static ds_pdb *open_bytes(ds_pdb *p, ds_error *err)
{
    p->names_stream = NIL_STREAM;
    for (int i = 0; i < MODULE_CACHE; i++)
        p->cache[i].stream = NIL_STREAM;
    if (parse_directory(p, err) != 0 || parse_info(p, err) != 0) {
        ds_pdb_close(p);
        return NULL;
    }
    parse_dbi(p);
    return p;
}

ds_pdb *ds_pdb_open_memory(const void *data, size_t size, ds_error *err)
{
    ds_pdb *p = calloc(1, sizeof *p);
    if (!p) {
        ds_set_error(err, "out of memory");
        return NULL;
    }
    p->file.data = size ? data : (const uint8_t *)"";
    p->file.size = size;
    return open_bytes(p, err);
}

ds_pdb *ds_pdb_open(const char *path, ds_error *err)
{
    void *m;
    size_t len;
    if (ds_file_map(path, 56, &m, &len, err) != 0)
        return NULL;
    ds_pdb *p = calloc(1, sizeof *p);
    if (!p) {
        ds_file_unmap(m, len);
        ds_set_error(err, "out of memory");
        return NULL;
    }
    p->map = m;
    p->map_len = len;
    p->file.data = m;
    p->file.size = len;
    return open_bytes(p, err);
}

void ds_pdb_close(ds_pdb *p)
{
    if (!p)
        return;
    for (int i = 0; i < MODULE_CACHE; i++) {
        free(p->cache[i].buf);
        free(p->cache[i].procs);
    }
    free(p->mods);
    free(p->contribs);
    free(p->secs);
    free(p->st);
    free(p->dir);
    if (p->map)
        ds_file_unmap(p->map, p->map_len);
    free(p);
}

/* The age an image's RSDS record carries is the one the linker wrote into
 * the DBI header; the info stream's age is bumped by later rewrites of the
 * PDB (amdppm.pdb and user32.pdb in the corpus: info age 3, DBI ages 1 and
 * 2, stored under ...1 and ...2). So identity reports the DBI age, falling
 * back to the info age when there is no DBI. */
void ds_pdb_identity(const ds_pdb *p, uint8_t guid[16], uint32_t *age)
{
    if (guid)
        memcpy(guid, p->guid, 16);
    if (age)
        *age = p->dbi_age ? p->dbi_age : p->age;
}

bool ds_pdb_has_guid(const ds_pdb *p)
{
    return p->has_guid;
}

uint32_t ds_pdb_info_age(const ds_pdb *p)
{
    return p->age;
}

uint16_t ds_pdb_machine(const ds_pdb *p)
{
    return p->dbi_ok ? p->machine : 0;
}

/* ---------------------------------------------------- address mapping */

static const msf_stream *dbg_stream(const ds_pdb *p, int which)
{
    return p->dbg[which] == NO_STREAM16 ? NULL : stream_at(p, p->dbg[which]);
}

/* Section headers (IMAGE_SECTION_HEADER, 40 bytes each). With OMAP, symbol
 * addresses are in the original (pre-optimization) image: use the original
 * headers when the PDB keeps them. */
static bool load_sections(ds_pdb *p)
{
    if (p->sec_state != LAZY_NONE)
        return p->sec_state == LAZY_OK;
    p->sec_state = LAZY_FAILED;
    p->omap = dbg_stream(p, DBG_OMAP_TO_SRC) != NULL;
    const msf_stream *s = NULL;
    if (p->omap)
        s = dbg_stream(p, DBG_SECTION_HDR_ORIG);
    if (!s)
        s = dbg_stream(p, DBG_SECTION_HDR);
    if (!s)
        return false;
    uint32_t n = s->size / 40;
    if (n == 0)
        return false;
    if (n > MAX_SECTIONS)
        n = MAX_SECTIONS; /* section numbers are 16-bit */
    uint8_t *raw = st_copy(p, s, 0, 40ull * n);
    p->secs = calloc(n, sizeof *p->secs);
    if (!raw || !p->secs) {
        free(raw);
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *h = raw + 40 * i;
        uint32_t vsize = ds_le32(h + 8), raw_size = ds_le32(h + 16);
        p->secs[i].va = ds_le32(h + 12);
        p->secs[i].extent = vsize ? vsize : raw_size;
    }
    free(raw);
    p->nsecs = n;
    p->sec_state = LAZY_OK;
    return true;
}

/* OMAP (images rearranged after the link, e.g. BBT-optimized system DLLs):
 * sorted (from, to) u32 pairs; an address maps relative to the last entry at
 * or below it; a target of 0 means "no counterpart". Symbols live in the
 * original layout, so lookups map the image RVA "to source" first. */
static bool omap_map(const ds_pdb *p, int which, uint32_t rva, uint32_t *out)
{
    const msf_stream *s = dbg_stream(p, which);
    if (!s)
        return false;
    uint64_t n = s->size / 8, lo = 0, hi = n;
    while (lo < hi) { /* first entry with from > rva */
        uint64_t mid = lo + (hi - lo) / 2;
        uint32_t from;
        if (!st_u32(p, s, 8 * mid, &from))
            return false;
        if (from <= rva)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return false;
    uint8_t e[8];
    if (!st_read(p, s, 8 * (lo - 1), e, 8))
        return false;
    uint32_t from = ds_le32(e), to = ds_le32(e + 4);
    if (to == 0 || (uint64_t)to + (rva - from) > UINT32_MAX)
        return false;
    *out = to + (rva - from);
    return true;
}

static bool rva_to_secoff(ds_pdb *p, uint32_t rva, uint16_t *seg, uint32_t *off)
{
    if (!load_sections(p))
        return false;
    if (p->omap && !omap_map(p, DBG_OMAP_TO_SRC, rva, &rva))
        return false;
    for (uint32_t i = 0; i < p->nsecs; i++) {
        const pdb_section *s = &p->secs[i];
        if (rva >= s->va && rva - s->va < s->extent) {
            *seg = (uint16_t)(i + 1);
            *off = rva - s->va;
            return true;
        }
    }
    return false;
}

/* --------------------------------------------- modules & contributions */

static bool load_modules(ds_pdb *p)
{
    if (p->mod_state != LAZY_NONE)
        return p->mod_state == LAZY_OK;
    p->mod_state = LAZY_FAILED;
    if (!p->dbi_ok)
        return false;
    uint8_t *b = st_copy(p, stream_at(p, 3), p->modi_off, p->modi_len);
    if (!b)
        return false;
    size_t len = (size_t)p->modi_len, cap = len / 64 + 1, n = 0;
    p->mods = calloc(cap, sizeof *p->mods);
    if (!p->mods) {
        free(b);
        return false;
    }
    size_t pos = 0;
    while (len - pos >= 64 && n < cap) {
        uint16_t stream = ds_le16(b + pos + 34);
        p->mods[n].stream = stream == NO_STREAM16 ? NIL_STREAM : stream;
        p->mods[n].sym_bytes = ds_le32(b + pos + 36);
        n++;
        /* module name and object file name, then 4-byte alignment */
        size_t q = pos + 64;
        for (int k = 0; k < 2; k++) {
            const uint8_t *z = memchr(b + q, 0, len - q);
            if (!z) {
                q = len;
                break;
            }
            q = (size_t)(z - b) + 1;
        }
        q = (q + 3) & ~(size_t)3;
        if (q > len)
            break;
        pos = q;
    }
    free(b);
    p->nmods = n;
    p->mod_state = LAZY_OK;
    return true;
}

static int contrib_cmp(const void *a, const void *b)
{
    const pdb_contrib *x = a, *y = b;
    if (x->sec != y->sec)
        return x->sec < y->sec ? -1 : 1;
    return x->off < y->off ? -1 : x->off > y->off;
}

static bool load_contribs(ds_pdb *p)
{
    if (p->contrib_state != LAZY_NONE)
        return p->contrib_state == LAZY_OK;
    p->contrib_state = LAZY_FAILED;
    if (!p->dbi_ok || p->sc_len < 4)
        return false;
    uint8_t *b = st_copy(p, stream_at(p, 3), p->sc_off, p->sc_len);
    if (!b)
        return false;
    uint32_t ver = ds_le32(b);
    size_t esz = ver == SC_VER60 ? 28 : ver == SC_VER2 ? 32 : 0;
    size_t n = esz ? (size_t)(p->sc_len - 4) / esz : 0;
    p->contribs = calloc(n ? n : 1, sizeof *p->contribs);
    if (!esz || !p->contribs) {
        free(b);
        return false;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = b + 4 + esz * i;
        int32_t off = (int32_t)ds_le32(e + 4), size = (int32_t)ds_le32(e + 8);
        if (off < 0 || size <= 0)
            continue;
        p->contribs[k].sec = ds_le16(e);
        p->contribs[k].off = (uint32_t)off;
        p->contribs[k].size = (uint32_t)size;
        p->contribs[k].mod = ds_le16(e + 16);
        k++;
    }
    free(b);
    /* Writers emit them sorted; sorting again makes a hostile file merely
     * wrong instead of breaking the binary search. */
    if (k > 1)
        qsort(p->contribs, k, sizeof *p->contribs, contrib_cmp);
    p->ncontribs = k;
    p->contrib_state = LAZY_OK;
    return true;
}

static const pdb_contrib *find_contrib(ds_pdb *p, uint16_t seg, uint32_t off)
{
    if (!load_contribs(p))
        return NULL;
    size_t lo = 0, hi = p->ncontribs;
    while (lo < hi) { /* first entry after (seg, off) */
        size_t mid = lo + (hi - lo) / 2;
        const pdb_contrib *c = &p->contribs[mid];
        if (c->sec < seg || (c->sec == seg && c->off <= off))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const pdb_contrib *c = &p->contribs[lo - 1];
    return c->sec == seg && off - c->off < c->size ? c : NULL;
}

/* ------------------------------------------------------ module symbols */

static int proc_cmp(const void *a, const void *b)
{
    const pdb_proc *x = a, *y = b;
    if (x->seg != y->seg)
        return x->seg < y->seg ? -1 : 1;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return x->rec_off < y->rec_off ? -1 : x->rec_off > y->rec_off;
}

/* The procedure record at rec_off among procs (in record order). */
static const pdb_proc *proc_by_record(const pdb_proc *v, size_t n, uint32_t rec_off)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].rec_off < rec_off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo].rec_off == rec_off ? &v[lo] : NULL;
}

static bool push_proc(pdb_modcache *c, size_t *cap, const pdb_proc *pr)
{
    if (c->nprocs == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        pdb_proc *v = realloc(c->procs, ncap * sizeof *v);
        if (!v)
            return false;
        c->procs = v;
        *cap = ncap;
    }
    c->procs[c->nprocs++] = *pr;
    return true;
}

/* Index the procedures of a module symbol stream: records of u16 length
 * (excluding itself) and u16 kind, after a 4-byte signature. */
static void index_module(pdb_modcache *c)
{
    size_t cap = 0, pos = 4, len = c->len;
    const uint8_t *b = c->buf;
    while (len - pos >= 4) {
        uint16_t reclen = ds_le16(b + pos), kind = ds_le16(b + pos + 2);
        if (reclen < 2 || reclen > len - pos - 2)
            break; /* zero-length or overrunning record: stop, keep what we have */
        size_t d = pos + 4, dlen = (size_t)reclen - 2;
        pdb_proc pr = {0};
        bool have = false;
        switch (kind) {
        case S_GPROC32: case S_LPROC32: case S_GPROC32_ID: case S_LPROC32_ID:
        case S_LPROC32_DPC: case S_LPROC32_DPC_ID:
            /* parent, end, next, len, dbgstart, dbgend, type, off, seg, flags, name */
            if (dlen >= 35) {
                pr.len = ds_le32(b + d + 12);
                pr.off = ds_le32(b + d + 28);
                pr.seg = ds_le16(b + d + 32);
                pr.name_off = (uint32_t)(d + 35);
                pr.name_max = (uint32_t)(dlen - 35);
                have = true;
            }
            break;
        case S_THUNK32: /* parent, end, next, off, seg, len u16, ordinal, name */
            if (dlen >= 21) {
                pr.off = ds_le32(b + d + 12);
                pr.seg = ds_le16(b + d + 16);
                pr.len = ds_le16(b + d + 18);
                pr.name_off = (uint32_t)(d + 21);
                pr.name_max = (uint32_t)(dlen - 21);
                have = true;
            }
            break;
        case S_SEPCODE: /* parent, end, len, flags, off, parent off, seg, parent seg */
            if (dlen >= 28) {
                /* Code split from its function (cold blocks): named after the
                 * parent procedure, which precedes it in the stream. */
                const pdb_proc *parent =
                    proc_by_record(c->procs, c->nprocs, ds_le32(b + d));
                if (parent) {
                    pr.len = ds_le32(b + d + 8);
                    pr.off = ds_le32(b + d + 16);
                    pr.seg = ds_le16(b + d + 24);
                    pr.name_off = parent->name_off;
                    pr.name_max = parent->name_max;
                    have = true;
                }
            }
            break;
        default:
            break;
        }
        if (have && pr.len) {
            pr.rec_off = (uint32_t)pos;
            if (!push_proc(c, &cap, &pr))
                break;
        }
        pos += 2 + (size_t)reclen;
    }
    if (c->nprocs > 1)
        qsort(c->procs, c->nprocs, sizeof *c->procs, proc_cmp);
}

static pdb_modcache *module_symbols(ds_pdb *p, uint32_t mod)
{
    if (!load_modules(p) || mod >= p->nmods)
        return NULL;
    uint32_t sidx = p->mods[mod].stream;
    const msf_stream *s = sidx == NIL_STREAM ? NULL : stream_at(p, sidx);
    if (!s)
        return NULL;
    p->tick++;
    pdb_modcache *slot = &p->cache[0];
    for (int i = 0; i < MODULE_CACHE; i++) {
        pdb_modcache *c = &p->cache[i];
        if (c->stream == sidx) {
            c->used = p->tick;
            return c->buf ? c : NULL;
        }
        if (c->used < slot->used)
            slot = c;
    }
    free(slot->buf);
    free(slot->procs);
    memset(slot, 0, sizeof *slot);
    slot->stream = sidx;
    slot->used = p->tick;
    uint32_t n = p->mods[mod].sym_bytes;
    if (n > s->size)
        n = s->size;
    if (n < 8)
        return NULL; /* signature only: a module without symbols */
    slot->buf = st_copy(p, s, 0, n);
    if (!slot->buf)
        return NULL;
    slot->len = n;
    index_module(slot);
    return slot;
}

static bool module_lookup(ds_pdb *p, uint32_t rva, uint16_t seg, uint32_t off,
                          ds_pdb_symbol *out)
{
    const pdb_contrib *ct = find_contrib(p, seg, off);
    if (!ct)
        return false;
    pdb_modcache *c = module_symbols(p, ct->mod);
    if (!c || !c->nprocs)
        return false;
    size_t lo = 0, hi = c->nprocs;
    while (lo < hi) { /* first proc starting after (seg, off) */
        size_t mid = lo + (hi - lo) / 2;
        const pdb_proc *x = &c->procs[mid];
        if (x->seg < seg || (x->seg == seg && x->off <= off))
            lo = mid + 1;
        else
            hi = mid;
    }
    /* The closest start that still covers off (separated code and thunks
     * can sit inside another range). */
    for (size_t i = lo, steps = 0; i > 0 && steps < 16; i--, steps++) {
        const pdb_proc *x = &c->procs[i - 1];
        if (x->seg != seg)
            break;
        if (off - x->off < x->len) {
            if (off - x->off > rva)
                return false; /* only an OMAP'd image can say so */
            copy_name(out->name, sizeof out->name, c->buf + x->name_off, x->name_max);
            out->rva = rva - (off - x->off);
            out->length = x->len;
            out->is_function = true;
            return true;
        }
    }
    return false;
}

/* -------------------------------------------------------------- publics */

/* S_PUB32 at offset off of the global symbol stream: flags, offset,
 * segment, name. */
static bool read_pub(const ds_pdb *p, uint32_t gss_off, uint16_t *seg, uint32_t *off,
                     char *name, size_t cap)
{
    const msf_stream *g = stream_at(p, p->gss);
    uint8_t h[14];
    if (!st_read(p, g, gss_off, h, sizeof h))
        return false;
    uint16_t reclen = ds_le16(h), kind = ds_le16(h + 2);
    if (kind != S_PUB32 || reclen < 12)
        return false;
    *off = ds_le32(h + 8);
    *seg = ds_le16(h + 12);
    if (name) {
        uint8_t buf[512];
        size_t max = (size_t)reclen - 12;
        if (max > sizeof buf)
            max = sizeof buf;
        if (!st_read(p, g, (uint64_t)gss_off + 14, buf, max))
            return false;
        copy_name(name, cap, buf, max);
    }
    return true;
}

static bool public_lookup(ds_pdb *p, uint32_t rva, uint16_t seg, uint32_t off,
                          ds_pdb_symbol *out)
{
    if (!p->dbi_ok || p->gss == NO_STREAM16)
        return false;
    const msf_stream *s = p->psi == NO_STREAM16 ? NULL : stream_at(p, p->psi);
    uint8_t h[28];
    if (!s || !st_read(p, s, 0, h, sizeof h))
        return false;
    uint64_t map_off = 28ull + ds_le32(h), map_len = ds_le32(h + 4);
    if (!ds_in_bounds(map_off, map_len, s->size))
        return false;
    /* The address map is sorted by the (segment, offset) of the records
     * it points to: binary search for the last one at or below ours. */
    uint64_t lo = 0, hi = map_len / 4;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        uint32_t rec, poff;
        uint16_t pseg;
        bool below = st_u32(p, s, map_off + 4 * mid, &rec) &&
                     read_pub(p, rec, &pseg, &poff, NULL, 0) &&
                     (pseg < seg || (pseg == seg && poff <= off));
        if (below)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return false;
    uint32_t rec, poff;
    uint16_t pseg;
    if (!st_u32(p, s, map_off + 4 * (lo - 1), &rec) ||
        !read_pub(p, rec, &pseg, &poff, out->name, sizeof out->name) || pseg != seg ||
        poff > off || off - poff > rva)
        return false;
    out->rva = rva - (off - poff);
    out->length = 0;
    out->is_function = false;
    return true;
}

bool ds_pdb_lookup(ds_pdb *p, uint32_t rva, ds_pdb_symbol *out)
{
    memset(out, 0, sizeof *out);
    uint16_t seg;
    uint32_t off;
    if (!p || !p->dbi_ok || !rva_to_secoff(p, rva, &seg, &off))
        return false;
    if (module_lookup(p, rva, seg, off, out))
        return true;
    memset(out, 0, sizeof *out);
    if (public_lookup(p, rva, seg, off, out))
        return true;
    memset(out, 0, sizeof *out);
    return false;
}

/* ------------------------------------------------------------------ FPO */

/* Stream index of "/names" from the named stream map in the info stream:
 * keys size, keys, count, capacity, present bits, deleted bits, then
 * (key offset, stream) pairs. */
static uint32_t names_stream(ds_pdb *p)
{
    if (p->names_state != LAZY_NONE)
        return p->names_stream;
    p->names_state = LAZY_FAILED;
    const msf_stream *s = stream_at(p, 1);
    if (!s || s->size > (16u << 20)) /* the info stream is small */
        return NIL_STREAM;
    uint8_t *b = st_copy(p, s, 0, s->size);
    if (!b)
        return NIL_STREAM;
    ds_bytes v = {b, s->size};
    uint32_t keys_len, count, words;
    uint64_t pos = p->has_guid ? 28 : 12, keys;
    if (!ds_get32(v, pos, &keys_len) || !ds_span(v, pos + 4, keys_len))
        goto out;
    keys = pos + 4;
    pos = keys + keys_len;
    if (!ds_get32(v, pos, &count))
        goto out;
    pos += 8; /* count, capacity */
    for (int k = 0; k < 2; k++) { /* present and deleted bit vectors */
        if (!ds_get32(v, pos, &words) || !ds_span(v, pos + 4, 4ull * words))
            goto out;
        pos += 4 + 4ull * words;
    }
    for (uint64_t i = 0; i < count; i++) {
        uint32_t key, val;
        if (!ds_get32(v, pos + 8 * i, &key) || !ds_get32(v, pos + 8 * i + 4, &val))
            break;
        if (key < keys_len && keys_len - key >= 7 && memcmp(b + keys + key, "/names", 7) == 0) {
            p->names_stream = val;
            p->names_state = LAZY_OK;
            break;
        }
    }
out:
    free(b);
    return p->names_stream;
}

/* FrameData program text: /names stream = signature 0xEFFEEFFE, version,
 * strings size, strings; FrameFunc is an offset into the strings. */
static const char *frame_program(ds_pdb *p, uint32_t name_off)
{
    uint32_t idx = names_stream(p);
    const msf_stream *s = idx == NIL_STREAM ? NULL : stream_at(p, idx);
    uint8_t h[12];
    if (!s || !st_read(p, s, 0, h, sizeof h) || ds_le32(h) != 0xEFFEEFFEu)
        return NULL;
    uint32_t strings = ds_le32(h + 8);
    if (name_off >= strings || !ds_in_bounds(12, strings, s->size))
        return NULL;
    size_t max = strings - name_off;
    if (max > sizeof p->program)
        max = sizeof p->program;
    uint8_t buf[sizeof p->program];
    if (!st_read(p, s, 12ull + name_off, buf, max))
        return NULL;
    const uint8_t *z = memchr(buf, 0, max);
    if (!z || z == buf)
        return NULL; /* a cut program would unwind wrongly: none at all */
    memcpy(p->program, buf, (size_t)(z - buf) + 1);
    return p->program;
}

/* FrameData, 32 bytes: rva, code size, locals, params, max stack, program
 * (names offset), prolog u16, saved regs u16, flags. The stream may start
 * with a 4-byte relocation pointer. Sorted by rva; entries for one function
 * can nest, so look back from the last start at or below rva. */
static bool new_fpo(ds_pdb *p, uint32_t rva, ds_pdb_fpo *out)
{
    const msf_stream *s = dbg_stream(p, DBG_NEW_FPO);
    if (!s)
        return false;
    uint64_t base = s->size % 32 == 4 ? 4 : 0, n = (s->size - base) / 32;
    uint64_t lo = 0, hi = n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        uint32_t start;
        if (!st_u32(p, s, base + 32 * mid, &start))
            return false;
        if (start <= rva)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (uint64_t i = lo, steps = 0; i > 0 && steps < FPO_BACKTRACK; i--, steps++) {
        uint8_t e[32];
        if (!st_read(p, s, base + 32 * (i - 1), e, sizeof e))
            return false;
        uint32_t start = ds_le32(e), size = ds_le32(e + 4);
        if (start <= rva && rva - start < size) {
            out->rva_start = start;
            out->code_size = size;
            out->locals_size = ds_le32(e + 8);
            out->params_size = ds_le32(e + 12);
            out->prolog_size = ds_le16(e + 24);
            out->saved_regs_size = ds_le16(e + 26);
            out->uses_bp = false; /* FrameData says it through the program */
            out->program = frame_program(p, ds_le32(e + 20));
            return true;
        }
    }
    return false;
}

/* FPO_DATA, 16 bytes: start, size, locals (dwords), params (u16 dwords),
 * then prolog:8 regs:3 seh:1 bp:1 reserved:1 frame:2. */
static bool old_fpo(ds_pdb *p, uint32_t rva, ds_pdb_fpo *out)
{
    const msf_stream *s = dbg_stream(p, DBG_FPO);
    if (!s)
        return false;
    uint64_t lo = 0, hi = s->size / 16;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        uint32_t start;
        if (!st_u32(p, s, 16 * mid, &start))
            return false;
        if (start <= rva)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint8_t e[16];
    if (lo == 0 || !st_read(p, s, 16 * (lo - 1), e, sizeof e))
        return false;
    uint32_t start = ds_le32(e), size = ds_le32(e + 4);
    if (start > rva || rva - start >= size)
        return false;
    uint16_t bits = ds_le16(e + 14);
    out->rva_start = start;
    out->code_size = size;
    uint64_t locals = (uint64_t)ds_le32(e + 8) * 4;
    out->locals_size = locals > UINT32_MAX ? UINT32_MAX : (uint32_t)locals;
    out->params_size = ds_le16(e + 12) * 4u;
    out->prolog_size = bits & 0xFF;
    out->saved_regs_size = ((bits >> 8) & 7) * 4u;
    out->uses_bp = (bits >> 12) & 1;
    out->program = NULL;
    return true;
}

bool ds_pdb_fpo_lookup(ds_pdb *p, uint32_t rva, ds_pdb_fpo *out)
{
    memset(out, 0, sizeof *out);
    if (!p || !p->dbi_ok)
        return false;
    if (new_fpo(p, rva, out) || (memset(out, 0, sizeof *out), old_fpo(p, rva, out)))
        return true;
    memset(out, 0, sizeof *out);
    return false;
}
