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
    S_END = 0x0006,
    S_BLOCK32 = 0x1103,
    S_WITH32 = 0x1104,
    S_INLINESITE = 0x114D,
    S_INLINESITE_END = 0x114E,
    S_PROC_ID_END = 0x114F,
    S_INLINESITE2 = 0x115D,
};

/* C13 debug subsections of a module stream (after its symbols). */
enum {
    DEBUG_S_LINES = 0xF2,
    DEBUG_S_FILECHKSMS = 0xF4,
    DEBUG_S_INLINEELINES = 0xF6,
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
    uint32_t c11_bytes, c13_bytes; /* line information after the symbols */
} pdb_module;

/* One row of a module's C13 line table: code from (seg, off) on is at
 * line of file (an offset into the module's file checksums), up to the
 * next row; end rows close a contribution. */
typedef struct pdb_line {
    uint32_t off;
    uint16_t seg;
    bool end;
    uint32_t line;
    uint32_t file;
    uint32_t order;
} pdb_line;

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
    /* C13 line information, read on the first source lookup */
    bool lines_tried;
    uint8_t *c13;
    size_t c13_len;
    pdb_line *lines;        /* sorted by (seg, off) */
    size_t nlines;
    size_t chk_off, chk_len;  /* DEBUG_S_FILECHKSMS inside c13 */
    size_t inl_off, inl_len;  /* DEBUG_S_INLINEELINES inside c13 */
} pdb_modcache;

/* Lazily loaded tables: not tried yet, loaded, or failed for good. */
enum { LAZY_NONE = 0, LAZY_OK, LAZY_FAILED };

struct ds_pdb {
    ds_source src;          /* ds_pdb_open: read through windows (io/source.h) */
    bool from_file;
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

    int ipi_state;          /* item (IPI) stream: offsets of its records */
    uint32_t *ipi_offs;
    uint32_t ipi_first, ipi_count;

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
        if (ds_bytes_read(p->file, (uint64_t)blk * p->bs + bo, out, n) != n)
            return false; /* the block lies past the end of a truncated file */
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
        ds_set_error(err, DS_E_CORRUPT, "not an MSF 7.0 PDB");
        return -1;
    }
    uint32_t bs = ds_le32(sb + 32), nblocks = ds_le32(sb + 40);
    uint32_t dir_bytes = ds_le32(sb + 44), map_addr = ds_le32(sb + 52);
    if (bs < 512 || bs > 65536 || (bs & (bs - 1))) {
        ds_set_error(err, DS_E_CORRUPT, "PDB: bad block size %u", bs);
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
        ds_set_error(err, DS_E_CORRUPT, "PDB: bad stream directory size %u", dir_bytes);
        return -1;
    }
    uint32_t ndir = (uint32_t)((dir_bytes + (uint64_t)bs - 1) / bs);
    if (ndir > bs / 4 || map_addr >= nblocks) {
        ds_set_error(err, DS_E_CORRUPT, "PDB: bad stream directory block map");
        return -1;
    }
    const uint8_t *map = ds_span(f, (uint64_t)map_addr * bs, 4ull * ndir);
    if (!map) {
        ds_set_error(err, DS_E_CORRUPT, "PDB: block map outside the file");
        return -1;
    }
    p->dir = malloc(dir_bytes);
    if (!p->dir) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        return -1;
    }
    for (uint32_t i = 0; i < ndir; i++) {
        uint32_t blk = ds_le32(map + 4 * i);
        uint32_t n = i + 1 < ndir ? bs : dir_bytes - i * bs;
        if (blk >= nblocks ||
            ds_bytes_read(f, (uint64_t)blk * bs, p->dir + (size_t)i * bs, n) != n) {
            ds_set_error(err, DS_E_CORRUPT, "PDB: stream directory block %u invalid", blk);
            return -1;
        }
    }

    uint32_t nstreams = ds_le32(p->dir);
    if (nstreams > (dir_bytes - 4) / 4) {
        ds_set_error(err, DS_E_CORRUPT, "PDB: %u streams do not fit the directory", nstreams);
        return -1;
    }
    p->st = calloc(nstreams ? nstreams : 1, sizeof *p->st);
    /* Each block may belong to one stream only: real writers never share
     * blocks, and refusing it bounds all streams together by the file size. */
    uint8_t *claimed = calloc(nblocks / 8 + 1, 1);
    if (!p->st || !claimed) {
        free(claimed);
        ds_set_error(err, DS_E_NOMEM, "out of memory");
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
        ds_set_error(err, DS_E_CORRUPT, "PDB: no PDB info stream");
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

static void modcache_clear(pdb_modcache *c)
{
    free(c->buf);
    free(c->procs);
    free(c->c13);
    free(c->lines);
    memset(c, 0, sizeof *c);
    c->stream = NIL_STREAM;
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
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        return NULL;
    }
    p->file.data = size ? data : (const uint8_t *)"";
    p->file.size = size;
    return open_bytes(p, err);
}

/* PDBs are read a block at a time (st_read), so only the first bytes are
 * kept and the rest is read with pread: nothing is mapped, and a PDB that
 * shrinks while it is used gives failed reads, never a signal. */
static const ds_source_limits pdb_limits = {
    .small = 64u << 10,
    .head = 64u << 10,
    .fetch_max = DS_SOURCE_FETCH_MAX,
    .whole_max = DS_SOURCE_WHOLE_MAX,
    .gunzip_max = DS_GUNZIP_LIMIT,
    .gz_spacing = DS_GZ_SPACING,
};

ds_pdb *ds_pdb_open(const char *path, ds_error *err)
{
    ds_pdb *p = calloc(1, sizeof *p);
    if (!p) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        return NULL;
    }
    if (ds_source_open_file_with(&p->src, path, DS_SOURCE_WINDOWS, &pdb_limits, err) != 0) {
        free(p);
        return NULL;
    }
    p->from_file = true;
    p->file = p->src.bytes;
    return open_bytes(p, err);
}

void ds_pdb_close(ds_pdb *p)
{
    if (!p)
        return;
    for (int i = 0; i < MODULE_CACHE; i++)
        modcache_clear(&p->cache[i]);
    free(p->ipi_offs);
    free(p->mods);
    free(p->contribs);
    free(p->secs);
    free(p->st);
    free(p->dir);
    if (p->from_file)
        ds_source_close(&p->src);
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
        p->mods[n].c11_bytes = ds_le32(b + pos + 40);
        p->mods[n].c13_bytes = ds_le32(b + pos + 44);
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
    modcache_clear(slot);
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

/* The procedure of c covering (seg, off): the closest start that still
 * covers it (separated code and thunks can sit inside another range). */
static const pdb_proc *find_proc(const pdb_modcache *c, uint16_t seg, uint32_t off)
{
    size_t lo = 0, hi = c->nprocs;
    while (lo < hi) { /* first proc starting after (seg, off) */
        size_t mid = lo + (hi - lo) / 2;
        const pdb_proc *x = &c->procs[mid];
        if (x->seg < seg || (x->seg == seg && x->off <= off))
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo, steps = 0; i > 0 && steps < 16; i--, steps++) {
        const pdb_proc *x = &c->procs[i - 1];
        if (x->seg != seg)
            break;
        if (off - x->off < x->len)
            return x;
    }
    return NULL;
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
    const pdb_proc *x = find_proc(c, seg, off);
    if (!x || off - x->off > rva)
        return false; /* only an OMAP'd image can say so */
    copy_name(out->name, sizeof out->name, c->buf + x->name_off, x->name_max);
    out->rva = rva - (off - x->off);
    out->length = x->len;
    out->is_function = true;
    return true;
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
    ds_bytes v = {.data = b, .size = s->size};
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

/* String at offset name_off of the /names string table (signature
 * 0xEFFEEFFE, version, strings size, strings) into buf; false when it is
 * outside the table, empty or cut at cap. */
static bool names_string(ds_pdb *p, uint32_t name_off, char *buf, size_t cap)
{
    uint32_t idx = names_stream(p);
    const msf_stream *s = idx == NIL_STREAM ? NULL : stream_at(p, idx);
    uint8_t h[12];
    if (!s || cap < 2 || !st_read(p, s, 0, h, sizeof h) || ds_le32(h) != 0xEFFEEFFEu)
        return false;
    uint32_t strings = ds_le32(h + 8);
    if (name_off >= strings || !ds_in_bounds(12, strings, s->size))
        return false;
    size_t max = strings - name_off;
    if (max > cap)
        max = cap;
    if (!st_read(p, s, 12ull + name_off, buf, max))
        return false;
    const char *z = memchr(buf, 0, max);
    return z && z != buf;
}

/* FrameData program text: FrameFunc is an offset into /names. A cut program
 * would unwind wrongly: none at all then. */
static const char *frame_program(ds_pdb *p, uint32_t name_off)
{
    return names_string(p, name_off, p->program, sizeof p->program) ? p->program : NULL;
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

/* --------------------------------------------------------- source lines */

#define MAX_LINE_ROWS 4000000u  /* per module */
#define MAX_IPI_RECORDS 8000000u

static int line_cmp(const void *a, const void *b)
{
    const pdb_line *x = a, *y = b;
    if (x->seg != y->seg)
        return x->seg < y->seg ? -1 : 1;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    if (x->end != y->end) /* a contribution's end before the next one's start */
        return x->end ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static bool push_line(pdb_modcache *c, size_t *cap, pdb_line l)
{
    if (c->nlines >= MAX_LINE_ROWS)
        return false;
    if (c->nlines == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        pdb_line *v = realloc(c->lines, ncap * sizeof *v);
        if (!v)
            return false;
        c->lines = v;
        *cap = ncap;
    }
    l.order = (uint32_t)c->nlines;
    c->lines[c->nlines++] = l;
    return true;
}

/*
 * DEBUG_S_LINES: offCon u32, segCon u16, flags u16 (1: columns follow each
 * block), cbCon u32; then blocks of file id u32, line count u32, block size
 * u32, count x (offset u32, line bits 0-23), [count x 4 bytes of columns].
 * false only when out of memory or too many rows.
 */
static bool add_lines(pdb_modcache *c, size_t *cap, const uint8_t *d, size_t len)
{
    if (len < 12)
        return true;
    uint32_t base = ds_le32(d), size = ds_le32(d + 8);
    uint16_t seg = ds_le16(d + 4), flags = ds_le16(d + 6);
    size_t pos = 12;
    while (len - pos >= 12) {
        uint32_t file = ds_le32(d + pos), n = ds_le32(d + pos + 4);
        uint32_t block = ds_le32(d + pos + 8);
        uint64_t need = 12 + (uint64_t)n * ((flags & 1) ? 12 : 8);
        if (block < need || block > len - pos)
            break; /* a block that does not fit: keep what was read */
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *e = d + pos + 12 + 8ull * i;
            uint32_t off = ds_le32(e), bits = ds_le32(e + 4);
            if (off >= size || (uint64_t)base + off > UINT32_MAX)
                continue; /* outside the contribution */
            if (!push_line(c, cap, (pdb_line){base + off, seg, false, bits & 0xFFFFFFu, file, 0}))
                return false;
        }
        pos += block;
    }
    if ((uint64_t)base + size <= UINT32_MAX)
        return push_line(c, cap, (pdb_line){base + size, seg, true, 0, 0, 0});
    return true;
}

/* The C13 subsections of a module (kind u32, length u32, data, 4-aligned):
 * its line rows, and where its file checksums and inlinee lines are. */
static bool module_lines(ds_pdb *p, pdb_modcache *c, uint32_t mod)
{
    if (c->lines_tried)
        return c->c13 != NULL;
    c->lines_tried = true;
    const pdb_module *m = &p->mods[mod];
    const msf_stream *s = stream_at(p, m->stream);
    uint64_t at = (uint64_t)m->sym_bytes + m->c11_bytes;
    if (!s || !m->c13_bytes || !ds_in_bounds(at, m->c13_bytes, s->size))
        return false;
    c->c13 = st_copy(p, s, at, m->c13_bytes);
    if (!c->c13)
        return false;
    c->c13_len = m->c13_bytes;
    size_t pos = 0, cap = 0;
    const uint8_t *b = c->c13;
    while (c->c13_len - pos >= 8) {
        uint32_t kind = ds_le32(b + pos), len = ds_le32(b + pos + 4);
        if (len > c->c13_len - pos - 8)
            break;
        const uint8_t *d = b + pos + 8;
        if (kind == DEBUG_S_LINES && !add_lines(c, &cap, d, len))
            break;
        if (kind == DEBUG_S_FILECHKSMS && !c->chk_len)
            c->chk_off = pos + 8, c->chk_len = len;
        if (kind == DEBUG_S_INLINEELINES && !c->inl_len)
            c->inl_off = pos + 8, c->inl_len = len;
        pos += 8 + (((size_t)len + 3) & ~(size_t)3);
    }
    if (c->nlines > 1)
        qsort(c->lines, c->nlines, sizeof *c->lines, line_cmp);
    return true;
}

/* The row covering (seg, off), or NULL (none below it, or a contribution
 * ended there). */
static const pdb_line *find_line_row(const pdb_modcache *c, uint16_t seg, uint32_t off)
{
    size_t lo = 0, hi = c->nlines;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const pdb_line *x = &c->lines[mid];
        if (x->seg < seg || (x->seg == seg && x->off <= off))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const pdb_line *x = &c->lines[lo - 1];
    return x->seg == seg && !x->end ? x : NULL;
}

/* File checksum entry at offset id (name offset u32 into /names, checksum
 * size u8, kind u8, checksum): its file name. */
static bool file_name(ds_pdb *p, const pdb_modcache *c, uint32_t id, char *buf, size_t cap)
{
    if (id > c->chk_len || c->chk_len - id < 6)
        return false;
    return names_string(p, ds_le32(c->c13 + c->chk_off + id), buf, cap);
}

/* DEBUG_S_INLINEELINES: signature u32 (0, or 1 with extra files), then per
 * inlinee: item id u32, file id u32, first line u32 [, n u32, n file ids]. */
static bool inlinee_start(const pdb_modcache *c, uint32_t item, uint32_t *line, uint32_t *file)
{
    if (c->inl_len < 4)
        return false;
    const uint8_t *d = c->c13 + c->inl_off;
    uint32_t sig = ds_le32(d);
    if (sig > 1)
        return false;
    size_t pos = 4;
    while (c->inl_len - pos >= 12) {
        if (ds_le32(d + pos) == item) {
            *file = ds_le32(d + pos + 4);
            *line = ds_le32(d + pos + 8);
            return true;
        }
        pos += 12;
        if (sig == 1) {
            if (c->inl_len - pos < 4)
                break;
            uint64_t extra = 4 + 4ull * ds_le32(d + pos);
            if (extra > c->inl_len - pos)
                break;
            pos += (size_t)extra;
        }
    }
    return false;
}

/* The IPI (item) stream, 4: a TPI-style header (size at 4, first index at
 * 8, record bytes at 16), then records of u16 length and u16 kind. The
 * offsets of its records are indexed on first use. */
static bool load_ipi(ds_pdb *p)
{
    if (p->ipi_state != LAZY_NONE)
        return p->ipi_state == LAZY_OK;
    p->ipi_state = LAZY_FAILED;
    const msf_stream *s = stream_at(p, 4);
    uint8_t h[20];
    if (!s || !st_read(p, s, 0, h, sizeof h))
        return false;
    uint32_t hdr = ds_le32(h + 4), first = ds_le32(h + 8), end = ds_le32(h + 12);
    uint32_t bytes = ds_le32(h + 16);
    if (hdr < 20 || end < first || end - first > MAX_IPI_RECORDS ||
        !ds_in_bounds(hdr, bytes, s->size))
        return false;
    uint32_t n = end - first;
    p->ipi_offs = malloc((n ? n : 1) * sizeof *p->ipi_offs);
    if (!p->ipi_offs)
        return false;
    uint64_t pos = hdr, stop = (uint64_t)hdr + bytes;
    uint32_t k = 0;
    while (k < n && pos < stop && stop - pos >= 4) { /* a record may end past stop */
        uint8_t r[2];
        if (!st_read(p, s, pos, r, 2))
            break;
        p->ipi_offs[k++] = (uint32_t)pos;
        pos += 2 + (uint64_t)ds_le16(r);
    }
    p->ipi_first = first;
    p->ipi_count = k;
    p->ipi_state = LAZY_OK;
    return true;
}

/* Name of an LF_FUNC_ID (scope, type, name) or LF_MFUNC_ID (parent type,
 * type, name) item. */
static bool item_name(ds_pdb *p, uint32_t item, char *buf, size_t cap)
{
    if (!load_ipi(p) || item < p->ipi_first || item - p->ipi_first >= p->ipi_count)
        return false;
    const msf_stream *s = stream_at(p, 4);
    uint64_t at = p->ipi_offs[item - p->ipi_first];
    uint8_t h[12], name[256];
    if (!st_read(p, s, at, h, sizeof h))
        return false;
    uint16_t len = ds_le16(h), kind = ds_le16(h + 2);
    if ((kind != 0x1601 && kind != 0x1602) || len < 11)
        return false;
    size_t max = (size_t)len - 10 < sizeof name ? (size_t)len - 10 : sizeof name;
    if (!st_read(p, s, at + 12, name, max))
        return false;
    copy_name(buf, cap, name, max);
    return buf[0] != 0;
}

/* Compressed unsigned integer of binary annotations: 1, 2 or 4 bytes. */
static bool cv_uint(const uint8_t *a, size_t n, size_t *i, uint32_t *v)
{
    if (*i >= n)
        return false;
    uint8_t b = a[(*i)++];
    if ((b & 0x80) == 0) {
        *v = b;
        return true;
    }
    if ((b & 0xC0) == 0x80) {
        if (*i >= n)
            return false;
        *v = (uint32_t)(b & 0x3F) << 8 | a[(*i)++];
        return true;
    }
    if ((b & 0xE0) == 0xC0) {
        if (n - *i < 3)
            return false;
        *v = (uint32_t)(b & 0x1F) << 24 | (uint32_t)a[*i] << 16 | (uint32_t)a[*i + 1] << 8 |
             a[*i + 2];
        *i += 3;
        return true;
    }
    return false;
}

static int32_t cv_signed(uint32_t v)
{
    return (v & 1) ? -(int32_t)(v >> 1) : (int32_t)(v >> 1);
}

/* Where an inline site's code is, from its binary annotations. */
typedef struct site_pos {
    uint32_t line, file;
} site_pos;

/*
 * Run the annotations of an inline site (code offsets relative to the
 * start of the outermost function, starting at line0 / file0): true when
 * a range holds rel, with the line and file there. A ChangeCodeOffset or
 * ChangeCodeOffsetAndLineOffset starts a range at the new offset (ending
 * the open one there); ChangeCodeLength ends the open range after that
 * many bytes and moves the offset to its end, as compilers write them.
 */
static bool site_holds(const uint8_t *a, size_t n, uint32_t rel, site_pos start, site_pos *at)
{
    uint64_t code = 0, rstart = 0;
    int64_t line = start.line;
    uint32_t file = start.file;
    bool open = false;
    site_pos rpos = start;
    size_t i = 0;
    uint32_t op, x, y;
    while (cv_uint(a, n, &i, &op) && op != 0) {
        bool emit = false;
        uint64_t len = 0;
        bool close = false;
        switch (op) {
        case 1: /* CodeOffset */
            if (!cv_uint(a, n, &i, &x))
                return false;
            code = x;
            break;
        case 3: /* ChangeCodeOffset */
            if (!cv_uint(a, n, &i, &x))
                return false;
            code += x;
            emit = true;
            break;
        case 4: /* ChangeCodeLength */
            if (!cv_uint(a, n, &i, &x))
                return false;
            len = x;
            close = true;
            break;
        case 5: /* ChangeFile */
            if (!cv_uint(a, n, &i, &x))
                return false;
            file = x;
            break;
        case 6: /* ChangeLineOffset */
            if (!cv_uint(a, n, &i, &x))
                return false;
            line += cv_signed(x);
            break;
        case 11: /* ChangeCodeOffsetAndLineOffset */
            if (!cv_uint(a, n, &i, &x))
                return false;
            code += x & 0xF;
            line += cv_signed(x >> 4);
            emit = true;
            break;
        case 12: /* ChangeCodeLengthAndCodeOffset */
            if (!cv_uint(a, n, &i, &x) || !cv_uint(a, n, &i, &y))
                return false;
            code += y;
            emit = true;
            len = x;
            close = true;
            break;
        case 2: case 7: case 8: case 9: case 10: case 13: /* not needed here */
            if (!cv_uint(a, n, &i, &x))
                return false;
            break;
        default:
            return false;
        }
        if (emit) {
            if (open && rel >= rstart && rel < code) {
                *at = rpos;
                return true;
            }
            open = true;
            rstart = code;
            rpos = (site_pos){line < 0 ? 0 : line > UINT32_MAX ? UINT32_MAX : (uint32_t)line,
                              file};
        }
        if (close && open) {
            if (rel >= rstart && rel - rstart < len) {
                *at = rpos;
                return true;
            }
            open = false;
            code = rstart + len;
        }
    }
    return false; /* a range left open has no known end */
}

/* A chain of inline sites holding an address, outermost first. */
typedef struct site_chain {
    ds_srcinline inl[DS_SRCLOC_MAX];
    char names[DS_SRCLOC_MAX][256];
    char call_files[DS_SRCLOC_MAX][260];
    site_pos pos[DS_SRCLOC_MAX];  /* line and file inside each site */
    size_t n;
} site_chain;

static bool opens_scope(uint16_t kind)
{
    switch (kind) {
    case S_GPROC32: case S_LPROC32: case S_GPROC32_ID: case S_LPROC32_ID:
    case S_LPROC32_DPC: case S_LPROC32_DPC_ID: case S_THUNK32: case S_BLOCK32:
    case S_WITH32: case S_SEPCODE: case S_INLINESITE: case S_INLINESITE2:
        return true;
    default:
        return false;
    }
}

/*
 * The S_INLINESITE records inside the procedure at rec_off whose ranges
 * hold rel (its offset from the procedure start). Sites nest in record
 * order, so those found are outermost first; each site's line at rel is
 * where the next one was called.
 */
static void inline_sites(ds_pdb *p, const pdb_modcache *c, uint32_t rec_off, uint32_t rel,
                         site_chain *ch)
{
    const uint8_t *b = c->buf;
    size_t pos = rec_off, depth = 0;
    while (c->len - pos >= 4 && ch->n < DS_SRCLOC_MAX) {
        uint16_t reclen = ds_le16(b + pos), kind = ds_le16(b + pos + 2);
        if (reclen < 2 || reclen > c->len - pos - 2)
            break;
        size_t d = pos + 4, dlen = (size_t)reclen - 2;
        if (opens_scope(kind))
            depth++;
        else if ((kind == S_END || kind == S_PROC_ID_END || kind == S_INLINESITE_END) &&
                 (depth == 0 || --depth == 0))
            break;
        size_t ann = kind == S_INLINESITE ? 12 : kind == S_INLINESITE2 ? 16 : 0;
        if (ann && dlen >= ann) {
            uint32_t item = ds_le32(b + d + 8);
            site_pos start = {0, 0}, at;
            inlinee_start(c, item, &start.line, &start.file);
            if (site_holds(b + d + ann, dlen - ann, rel, start, &at)) {
                size_t k = ch->n++;
                if (!item_name(p, item, ch->names[k], sizeof ch->names[k]))
                    ch->names[k][0] = 0;
                ch->pos[k] = at;
                ch->inl[k].name = ch->names[k];
                ch->inl[k].name_len = strlen(ch->names[k]);
            }
        }
        pos += 2 + (size_t)reclen;
    }
}

/* Compilers mark hidden code with line 0xFEEFEE / 0xF00F00: no line. */
static uint32_t real_line(uint32_t line)
{
    return line >= 0xF00000 ? 0 : line;
}

bool ds_pdb_source(ds_pdb *p, uint32_t rva, ds_srcloc *out)
{
    out->n = 0;
    uint16_t seg;
    uint32_t off;
    if (!p || !p->dbi_ok || !rva_to_secoff(p, rva, &seg, &off))
        return false;
    const pdb_contrib *ct = find_contrib(p, seg, off);
    pdb_modcache *c = ct ? module_symbols(p, ct->mod) : NULL;
    if (!c || !module_lines(p, c, ct->mod))
        return false;
    const pdb_line *row = find_line_row(c, seg, off);
    if (!row)
        return false;
    site_chain *ch = calloc(1, sizeof *ch);
    if (!ch)
        return false;
    const pdb_proc *pr = find_proc(c, seg, off);
    if (pr && c->len >= 4 && pr->rec_off <= c->len - 4 &&
        ds_le16(c->buf + pr->rec_off + 2) != S_SEPCODE)
        inline_sites(p, c, pr->rec_off, off - pr->off, ch);
    /* site k was called where site k - 1 (or, for the first, the line
     * table) puts the address */
    char file[260] = "";
    uint32_t line = row->line;
    if (!file_name(p, c, row->file, file, sizeof file))
        file[0] = 0;
    for (size_t k = 0; k < ch->n; k++) {
        if (k == 0) {
            memcpy(ch->call_files[0], file, sizeof file);
            ch->inl[0].call_line = real_line(line);
        } else {
            if (!file_name(p, c, ch->pos[k - 1].file, ch->call_files[k], sizeof ch->call_files[k]))
                ch->call_files[k][0] = 0;
            ch->inl[k].call_line = real_line(ch->pos[k - 1].line);
        }
        ch->inl[k].call_file = ch->call_files[k];
        ch->inl[k].call_file_len = strlen(ch->call_files[k]);
    }
    if (ch->n) { /* the innermost site's own line */
        line = ch->pos[ch->n - 1].line;
        if (!file_name(p, c, ch->pos[ch->n - 1].file, file, sizeof file))
            file[0] = 0;
    }
    ds_srcloc_build(out, ch->inl, ch->n, file, strlen(file), real_line(line));
    free(ch);
    return true;
}
