/*
 * A tiny PDB writer for tests: an MSF 7.0 container around the streams the
 * reader uses (info + /names, DBI with two modules, one module symbol
 * stream, publics, section headers, FPO and FrameData, optional OMAP).
 * Knobs break one thing at a time; MSF-level damage is done by the tests
 * on the written bytes (pdbgen_dir() finds the directory).
 *
 * Layout (RVA = 0x1000 + offset in section 1, 0x3000 + offset in section 2):
 *   module 0 (stream 10), section 1 [0x000, 0x100):
 *     func_one  S_GPROC32     0x20 +0x30  (+ S_SEPCODE piece 0xC0 +0x10)
 *     func_two  S_LPROC32     0x60 +0x20
 *     func_id   S_GPROC32_ID  0xA0 +0x10
 *     thunk_one S_THUNK32     0xE0 +0x08
 *   module 1 (no symbols), section 1 [0x100, 0x200)
 *   publics: pub_a 1:0x10, pub_b 1:0x180, pub_c 2:0x0, pub_d 1:0x20
 *   FPO_DATA 0x1000 +0x10, 0x1100 +0x20; FrameData 0x1020 +0x30 (program)
 *   C13 lines of module 0 (files c:\src\one.c and c:\src\inl.h):
 *     func_one 0x20: line 10, 0x28: 11, 0x34: 12, 0x40: 13, ends at 0x50
 *     func_two 0x60: line 20, 0x70: 21, ends at 0x80
 *   inline sites in func_one: inl_outer (item 0x1000, inl.h from line 100)
 *     at 0x28 +4 line 101, 0x2C +8 line 102; inside it inl_inner (item
 *     0x1001, inl.h from 200) at 0x2C +4 line 205; names in the IPI stream
 * With omap, section 1 of the image is at 0x5000 (OMAP to source maps
 * 0x5000 +0x200 to 0x1000, and a copy of func_two's code at 0x5400 +0x20
 * back to 0x1060); the original section headers sit in stream 0.
 */
#ifndef DS_TESTS_PDBGEN_H
#define DS_TESTS_PDBGEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct bbuf {
    uint8_t *p;
    size_t n, cap;
} bbuf;

static inline void bb_put(bbuf *b, const void *src, size_t len)
{
    if (b->n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + len)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p)
            abort();
        b->cap = cap;
    }
    if (len)
        memcpy(b->p + b->n, src, len);
    b->n += len;
}
static inline void bb_u8(bbuf *b, uint8_t v) { bb_put(b, &v, 1); }
static inline void bb_u16(bbuf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    bb_put(b, x, 2);
}
static inline void bb_u32(bbuf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    bb_put(b, x, 4);
}
static inline void bb_str(bbuf *b, const char *s) { bb_put(b, s, strlen(s) + 1); }
static inline void bb_zero(bbuf *b, size_t n)
{
    while (n--)
        bb_u8(b, 0);
}
static inline void bb_align4(bbuf *b)
{
    while (b->n % 4)
        bb_u8(b, 0);
}
static inline void bb_set16(bbuf *b, size_t at, uint16_t v)
{
    b->p[at] = (uint8_t)v, b->p[at + 1] = (uint8_t)(v >> 8);
}

/* --------------------------------------------------------- MSF writer */

#define PDBGEN_MAX_STREAMS 20
#define PDBGEN_NIL 0xFFFFFFFFu

/* Streams with nil[i] set are written as nil (size 0xFFFFFFFF). Layout:
 * superblock, two free-block-map blocks, stream blocks in order, the
 * directory, then the block holding the directory's block numbers. */
static inline uint8_t *msf_write(bbuf *st, const bool *nil, int n, uint32_t bs, size_t *len)
{
    uint32_t next = 3;
    uint32_t first[PDBGEN_MAX_STREAMS];
    for (int i = 0; i < n; i++) {
        first[i] = next;
        if (!nil[i])
            next += (uint32_t)((st[i].n + bs - 1) / bs);
    }
    bbuf dir = {0};
    bb_u32(&dir, (uint32_t)n);
    for (int i = 0; i < n; i++)
        bb_u32(&dir, nil[i] ? PDBGEN_NIL : (uint32_t)st[i].n);
    for (int i = 0; i < n; i++)
        if (!nil[i])
            for (uint32_t k = 0; k < (st[i].n + bs - 1) / bs; k++)
                bb_u32(&dir, first[i] + k);
    uint32_t dir_first = next, ndir = (uint32_t)((dir.n + bs - 1) / bs);
    uint32_t map_block = dir_first + ndir, nblocks = map_block + 1;
    size_t total = (size_t)nblocks * bs;
    uint8_t *f = calloc(total, 1);
    if (!f)
        abort();
    memcpy(f, "Microsoft C/C++ MSF 7.00\r\n\x1a" "DS\0\0\0", 32);
    uint32_t sb[6] = {bs, 1, nblocks, (uint32_t)dir.n, 0, map_block};
    for (int i = 0; i < 6; i++)
        for (int k = 0; k < 4; k++)
            f[32 + 4 * i + k] = (uint8_t)(sb[i] >> (8 * k));
    for (int i = 0; i < n; i++)
        if (!nil[i] && st[i].n)
            memcpy(f + (size_t)first[i] * bs, st[i].p, st[i].n);
    memcpy(f + (size_t)dir_first * bs, dir.p, dir.n);
    for (uint32_t k = 0; k < ndir; k++)
        for (int b = 0; b < 4; b++)
            f[(size_t)map_block * bs + 4 * k + b] = (uint8_t)((dir_first + k) >> (8 * b));
    free(dir.p);
    *len = total;
    return f;
}

static inline uint32_t pdbgen_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}
static inline void pdbgen_wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Offset in the file of the stream directory (first directory block). */
static inline size_t pdbgen_dir(const uint8_t *f)
{
    uint32_t bs = pdbgen_rd32(f + 32), map = pdbgen_rd32(f + 52);
    return (size_t)pdbgen_rd32(f + (size_t)map * bs) * bs;
}

/* ------------------------------------------------------- PDB content */

enum pdbgen_damage {
    PG_NONE = 0,
    PG_REC_ZERO_LEN,     /* a zero-length record after func_two */
    PG_REC_OVERRUN,      /* the last module record runs past the stream */
    PG_DBI_NEG_SIZE,     /* negative section-contribution size */
    PG_DBI_HUGE_MODI,    /* module info size larger than the DBI */
    PG_PSI_HUGE_MAP,     /* public address map larger than its stream */
    PG_NO_SECTIONS,      /* section header stream empty */
    PG_PUB_NO_NUL,       /* last public's name runs to the end of the stream */
    PG_SYMBYTES_HUGE,    /* module SymByteSize larger than its stream */
    PG_FRAMEFUNC_BAD,    /* FrameData program offset outside /names */
    PG_SC_BAD_VERSION,   /* unknown section contribution version */
    PG_MOD_STREAM_OOR,   /* module symbol stream index out of range */
    PG_PUB_UNSORTED,     /* public address map in reverse order */
    PG_SEPCODE_BAD_PARENT, /* S_SEPCODE parent points nowhere */
    PG_NO_DBI,           /* stream 3 nil */
    PG_C13_HUGE,         /* module C13 size larger than its stream */
    PG_LINES_BLOCK_HUGE, /* the first line block claims more than its subsection */
    PG_ANNOT_BAD,        /* inl_outer's annotations hold an invalid opcode */
    PG_CHK_BAD,          /* line blocks name a file id outside the checksums */
    PG_IPI_NIL,          /* no IPI stream: inline sites without names */
    PG_LAST = PG_IPI_NIL
};

typedef struct pdb_spec {
    uint8_t guid[16];
    uint32_t info_age, dbi_age;
    uint32_t bs;         /* 0: 512 */
    bool omap;           /* final image at 0x5000: OMAP to/from 0x1000 */
    int damage;
} pdb_spec;

static const char pdbgen_program[] = "$T0 .raSearch = $eip $T0 ^ = $esp $T0 4 + =";

static inline void pg_proc(bbuf *m, uint16_t kind, uint32_t off, uint32_t len, uint16_t seg,
                    const char *name)
{
    size_t start = m->n;
    bb_u16(m, 0);
    bb_u16(m, kind);
    bb_zero(m, 12);          /* parent, end, next */
    bb_u32(m, len);
    bb_zero(m, 12);          /* dbg start, dbg end, type */
    bb_u32(m, off);
    bb_u16(m, seg);
    bb_u8(m, 0);             /* flags */
    bb_str(m, name);
    bb_align4(m);
    bb_set16(m, start, (uint16_t)(m->n - start - 2));
}

static inline void pg_end(bbuf *m)
{
    bb_u16(m, 2);
    bb_u16(m, 0x0006); /* S_END */
}

/* S_INLINESITE: parent, end, inlinee, binary annotations (4-aligned). */
static inline void pg_inlinesite(bbuf *m, uint32_t item, const uint8_t *ann, size_t n)
{
    size_t start = m->n;
    bb_u16(m, 0);
    bb_u16(m, 0x114D);
    bb_zero(m, 8);
    bb_u32(m, item);
    bb_put(m, ann, n);
    bb_align4(m);
    bb_set16(m, start, (uint16_t)(m->n - start - 2));
}

static inline void pg_inlinesite_end(bbuf *m)
{
    bb_u16(m, 2);
    bb_u16(m, 0x114E);
}

/* DEBUG_S_LINES for one contribution, one block of n (offset, line) pairs. */
static inline void pg_lines(bbuf *c, uint32_t base, uint32_t size, uint32_t file,
                            const uint32_t *offs, const uint32_t *lines, uint32_t n,
                            bool huge_block)
{
    bb_u32(c, 0xF2);
    bb_u32(c, 12 + 12 + 8 * n);
    bb_u32(c, base);
    bb_u16(c, 1);
    bb_u16(c, 0);
    bb_u32(c, size);
    bb_u32(c, file);
    bb_u32(c, n);
    bb_u32(c, huge_block ? 0x10000 : 12 + 8 * n);
    for (uint32_t i = 0; i < n; i++) {
        bb_u32(c, offs[i]);
        bb_u32(c, lines[i] | 0x80000000u); /* a statement */
    }
}

static inline void pg_pub(bbuf *g, uint32_t off, uint16_t seg, const char *name, bool pad)
{
    size_t start = g->n;
    bb_u16(g, 0);
    bb_u16(g, 0x110E);
    bb_u32(g, 2); /* function */
    bb_u32(g, off);
    bb_u16(g, seg);
    bb_str(g, name);
    if (pad)
        bb_align4(g);
    bb_set16(g, start, (uint16_t)(g->n - start - 2));
}

static inline void pg_section(bbuf *s, const char *name, uint32_t va, uint32_t vsize)
{
    char n8[8] = {0};
    memcpy(n8, name, strlen(name) < 8 ? strlen(name) : 8);
    bb_put(s, n8, 8);
    bb_u32(s, vsize);
    bb_u32(s, va);
    bb_u32(s, vsize);
    bb_zero(s, 16);
    bb_u32(s, 0x60000020);
}

static inline void pg_modinfo(bbuf *d, uint16_t stream, uint32_t symbytes, uint32_t c13,
                              const char *name)
{
    bb_u32(d, 0);
    bb_zero(d, 28);           /* first section contribution */
    bb_u16(d, 0);             /* flags */
    bb_u16(d, stream);
    bb_u32(d, symbytes);
    bb_u32(d, 0);             /* C11 lines */
    bb_u32(d, c13);
    bb_zero(d, 64 - 48);
    bb_str(d, name);
    bb_str(d, name);
    bb_align4(d);
}

static inline void pg_contrib(bbuf *d, uint16_t sec, uint32_t off, uint32_t size, uint16_t mod)
{
    bb_u16(d, sec);
    bb_u16(d, 0);
    bb_u32(d, off);
    bb_u32(d, size);
    bb_u32(d, 0x60000020);
    bb_u16(d, mod);
    bb_u16(d, 0);
    bb_zero(d, 8);
}

/* Build the PDB described by spec; the caller frees the result. */
static inline uint8_t *pdbgen_build(const pdb_spec *spec, size_t *len)
{
    enum { N = 16 };
    bbuf st[N];
    bool nil[N];
    memset(st, 0, sizeof st);
    for (int i = 0; i < N; i++)
        nil[i] = false;
    nil[2] = nil[5] = nil[6] = true;
    nil[4] = spec->damage == PG_IPI_NIL;
    if (!spec->omap)
        nil[14] = nil[15] = true;
    int dmg = spec->damage;

    /* 1: PDB info + named stream map ("/names" -> 9) */
    bbuf *info = &st[1];
    bb_u32(info, 20000404);
    bb_u32(info, 0x5EED5EED);
    bb_u32(info, spec->info_age);
    bb_put(info, spec->guid, 16);
    bb_u32(info, 7);
    bb_str(info, "/names");
    bb_u32(info, 1);  /* names */
    bb_u32(info, 1);  /* capacity */
    bb_u32(info, 1);  /* present words */
    bb_u32(info, 1);
    bb_u32(info, 0);  /* deleted words */
    bb_u32(info, 0);  /* key offset */
    bb_u32(info, 9);  /* stream */
    bb_u32(info, 0);
    bb_u32(info, 20140508);

    /* 10: module 0 symbols */
    bbuf *m = &st[10];
    bb_u32(m, 4); /* CV_SIGNATURE_C13 */
    size_t func_one_rec = m->n;
    pg_proc(m, 0x1110, 0x20, 0x30, 1, "func_one");
    {
        /* inl_outer: +8 code, +1 line (101); +4 code, +1 line (102); length 8.
         * inl_inner: +0xC code, +5 line (205, two-byte operand); length 4. */
        static const uint8_t outer[] = {11, 0x28, 11, 0x24, 4, 8, 0};
        static const uint8_t bad[] = {11, 0x28, 0xFF, 0xFF, 0xFF, 0xFF};
        static const uint8_t inner[] = {11, 0x80, 0xAC, 4, 4};
        if (dmg == PG_ANNOT_BAD)
            pg_inlinesite(m, 0x1000, bad, sizeof bad);
        else
            pg_inlinesite(m, 0x1000, outer, sizeof outer);
        pg_inlinesite(m, 0x1001, inner, sizeof inner);
        pg_inlinesite_end(m);
        pg_inlinesite_end(m);
    }
    pg_end(m);
    pg_proc(m, 0x110F, 0x60, 0x20, 1, "func_two");
    pg_end(m);
    if (dmg == PG_REC_ZERO_LEN) {
        bb_u16(m, 0);
        bb_u16(m, 0x1110);
    }
    pg_proc(m, 0x1147, 0xA0, 0x10, 1, "func_id");
    pg_end(m);
    /* S_SEPCODE: parent, end, length, flags, offset, parent offset, sec, parent sec */
    bb_u16(m, 30);
    bb_u16(m, 0x1132);
    bb_u32(m, dmg == PG_SEPCODE_BAD_PARENT ? 0x7777 : (uint32_t)func_one_rec);
    bb_u32(m, 0);
    bb_u32(m, 0x10);
    bb_u32(m, 0);
    bb_u32(m, 0xC0);
    bb_u32(m, 0x20);
    bb_u16(m, 1);
    bb_u16(m, 1);
    pg_end(m);
    { /* S_THUNK32: parent, end, next, off, seg, len u16, ordinal, name */
        size_t start = m->n;
        bb_u16(m, 0);
        bb_u16(m, 0x1102);
        bb_zero(m, 12);
        bb_u32(m, 0xE0);
        bb_u16(m, 1);
        bb_u16(m, 8);
        bb_u8(m, 0);
        bb_str(m, "thunk_one");
        bb_align4(m);
        bb_set16(m, start, (uint16_t)(m->n - start - 2));
    }
    if (dmg == PG_REC_OVERRUN) {
        bb_u16(m, 0x4000);
        bb_u16(m, 0x1110);
        bb_zero(m, 8);
    }
    uint32_t symbytes = (uint32_t)m->n;
    if (dmg == PG_SYMBYTES_HUGE)
        symbytes = 0x7FFFFFF0;

    /* C13 line information of module 0, after its symbols */
    size_t c13_start = m->n;
    {
        static const uint32_t o1[] = {0x0, 0x8, 0x14, 0x20}, l1[] = {10, 11, 12, 13};
        static const uint32_t o2[] = {0x0, 0x10}, l2[] = {20, 21};
        uint32_t one = dmg == PG_CHK_BAD ? 0x400 : 0, inl = 8;
        bb_u32(m, 0xF4); /* file checksums: name offset, size 0, kind 0, pad */
        bb_u32(m, 16);
        bb_u32(m, (uint32_t)(1 + sizeof pdbgen_program));
        bb_u32(m, 0);
        bb_u32(m, (uint32_t)(1 + sizeof pdbgen_program + sizeof "c:\\src\\one.c"));
        bb_u32(m, 0);
        pg_lines(m, 0x20, 0x30, one, o1, l1, 4, dmg == PG_LINES_BLOCK_HUGE);
        pg_lines(m, 0x60, 0x20, one, o2, l2, 2, false);
        bb_u32(m, 0xF6); /* inlinee lines: signature 0, (item, file, line) */
        bb_u32(m, 28);
        bb_u32(m, 0);
        bb_u32(m, 0x1000), bb_u32(m, inl), bb_u32(m, 100);
        bb_u32(m, 0x1001), bb_u32(m, inl), bb_u32(m, 200);
    }
    uint32_t c13bytes = (uint32_t)(m->n - c13_start);

    /* 8: global symbols (publics); 7: public index with the address map */
    bbuf *g = &st[8];
    uint32_t pubs[4];
    pubs[0] = (uint32_t)g->n, pg_pub(g, 0x10, 1, "pub_a", true);
    pubs[1] = (uint32_t)g->n, pg_pub(g, 0x20, 1, "pub_d", true);
    pubs[2] = (uint32_t)g->n, pg_pub(g, 0x180, 1, "pub_b", true);
    pubs[3] = (uint32_t)g->n, pg_pub(g, 0x0, 2, "pub_c", dmg != PG_PUB_NO_NUL);
    if (dmg == PG_PUB_NO_NUL)
        g->n--; /* drop the name's NUL: the record now ends at the stream end */
    if (dmg == PG_PUB_NO_NUL)
        bb_set16(g, pubs[3], (uint16_t)(g->n - pubs[3] - 2));
    bbuf *psi = &st[7];
    bb_u32(psi, 0);                                       /* name table size */
    bb_u32(psi, dmg == PG_PSI_HUGE_MAP ? 0x10000000 : 16); /* address map size */
    bb_zero(psi, 20);
    for (int i = 0; i < 4; i++)
        bb_u32(psi, pubs[dmg == PG_PUB_UNSORTED ? 3 - i : i]);

    /* 4: IPI: header (version, size 56, first index 0x1000, end, record
     * bytes, hash fields), then LF_FUNC_ID (scope, type, name, LF_PAD) */
    if (!nil[4]) {
        bbuf rec = {0};
        static const char *const fn[] = {"inl_outer", "inl_inner"};
        for (int i = 0; i < 2; i++) {
            size_t start = rec.n;
            bb_u16(&rec, 0);
            bb_u16(&rec, 0x1601);
            bb_u32(&rec, 0);
            bb_u32(&rec, 0x74);
            bb_str(&rec, fn[i]);
            while (rec.n % 4)
                bb_u8(&rec, (uint8_t)(0xF0 + (4 - rec.n % 4)));
            bb_set16(&rec, start, (uint16_t)(rec.n - start - 2));
        }
        bbuf *ipi = &st[4];
        bb_u32(ipi, 20040203);
        bb_u32(ipi, 56);
        bb_u32(ipi, 0x1000);
        bb_u32(ipi, 0x1002);
        bb_u32(ipi, (uint32_t)rec.n);
        bb_u16(ipi, 0xFFFF);
        bb_u16(ipi, 0xFFFF);
        bb_zero(ipi, 56 - 24);
        bb_put(ipi, rec.p, rec.n);
        free(rec.p);
    }

    /* 9: /names */
    bbuf *nm = &st[9];
    bb_u32(nm, 0xEFFEEFFE);
    bb_u32(nm, 1);
    bb_u32(nm, (uint32_t)(1 + sizeof pdbgen_program + sizeof "c:\\src\\one.c" +
                          sizeof "c:\\src\\inl.h"));
    bb_u8(nm, 0);
    bb_str(nm, pdbgen_program);
    bb_str(nm, "c:\\src\\one.c");
    bb_str(nm, "c:\\src\\inl.h");
    bb_u32(nm, 0);
    bb_u32(nm, 0);

    /* 11: FPO_DATA */
    bbuf *fpo = &st[11];
    uint32_t fpo_start[2] = {0x1000, 0x1100}, fpo_size[2] = {0x10, 0x20};
    for (int i = 0; i < 2; i++) {
        bb_u32(fpo, fpo_start[i]);
        bb_u32(fpo, fpo_size[i]);
        bb_u32(fpo, 2);   /* locals, dwords */
        bb_u16(fpo, 3);   /* params, dwords */
        bb_u16(fpo, (uint16_t)(5 | (2 << 8) | (i == 0 ? 1u << 12 : 0)));
    }
    /* 13: FrameData with the leading relocation pointer */
    bbuf *fd = &st[13];
    bb_u32(fd, 0);
    bb_u32(fd, 0x1020);
    bb_u32(fd, 0x30);
    bb_u32(fd, 8);
    bb_u32(fd, 12);
    bb_u32(fd, 0);
    bb_u32(fd, dmg == PG_FRAMEFUNC_BAD ? 0x100000 : 1);
    bb_u16(fd, 4);
    bb_u16(fd, 8);
    bb_u32(fd, 4);

    /* 12: section headers (final image); 14/15 OMAP; 16 is not used */
    bbuf *sh = &st[12];
    uint32_t text_va = spec->omap ? 0x5000 : 0x1000;
    if (dmg != PG_NO_SECTIONS) {
        pg_section(sh, ".text", text_va, 0x1000);
        pg_section(sh, ".data", 0x3000, 0x200);
    }
    /* With OMAP the original sections live in stream 0 here (reusing the
     * old-directory slot keeps the stream count small). */
    bbuf *orig = &st[0];
    if (spec->omap) {
        pg_section(orig, ".text", 0x1000, 0x1000);
        pg_section(orig, ".data", 0x3000, 0x200);
        bb_u32(&st[14], 0x3000), bb_u32(&st[14], 0x3000); /* to src: data maps 1:1 */
        bb_u32(&st[14], 0x3200), bb_u32(&st[14], 0);
        bb_u32(&st[14], 0x5000), bb_u32(&st[14], 0x1000);
        bb_u32(&st[14], 0x5200), bb_u32(&st[14], 0);
        bb_u32(&st[14], 0x5400), bb_u32(&st[14], 0x1060); /* func_two moved */
        bb_u32(&st[14], 0x5420), bb_u32(&st[14], 0);
        bb_u32(&st[15], 0x1000), bb_u32(&st[15], 0x5000); /* from src */
        bb_u32(&st[15], 0x1200), bb_u32(&st[15], 0);
        bb_u32(&st[15], 0x3000), bb_u32(&st[15], 0x3000);
        bb_u32(&st[15], 0x3200), bb_u32(&st[15], 0);
    }

    /* 3: DBI */
    bbuf modi = {0}, sc = {0};
    pg_modinfo(&modi, dmg == PG_MOD_STREAM_OOR ? 500 : 10, symbytes,
               dmg == PG_C13_HUGE ? 0x7FFFFFF0u : c13bytes, "mod0.obj");
    pg_modinfo(&modi, 0xFFFF, 0, 0, "mod1.obj");
    bb_u32(&sc, dmg == PG_SC_BAD_VERSION ? 0x12345678 : 0xEFFE0000u + 19970605u);
    pg_contrib(&sc, 1, 0x000, 0x100, 0);
    pg_contrib(&sc, 1, 0x100, 0x100, 1);
    pg_contrib(&sc, 2, 0x000, 0x200, 1);
    uint16_t dbg[11];
    for (int i = 0; i < 11; i++)
        dbg[i] = 0xFFFF;
    dbg[0] = 11;
    dbg[5] = 12;
    dbg[9] = 13;
    if (spec->omap) {
        dbg[3] = 14, dbg[4] = 15, dbg[10] = 0;
    }
    bbuf *dbi = &st[3];
    bb_u32(dbi, 0xFFFFFFFF);
    bb_u32(dbi, 19990903);
    bb_u32(dbi, spec->dbi_age);
    bb_u16(dbi, 0xFFFF); /* global symbol index */
    bb_u16(dbi, 0x8E00); /* build number */
    bb_u16(dbi, 7);      /* public index */
    bb_u16(dbi, 0);
    bb_u16(dbi, 8);      /* global symbol stream */
    bb_u16(dbi, 0);
    bb_u32(dbi, dmg == PG_DBI_HUGE_MODI ? 0x100000 : (uint32_t)modi.n);
    bb_u32(dbi, dmg == PG_DBI_NEG_SIZE ? 0xFFFFFF00u : (uint32_t)sc.n);
    bb_u32(dbi, 0); /* section map */
    bb_u32(dbi, 0); /* sources */
    bb_u32(dbi, 0); /* type server map */
    bb_u32(dbi, 0); /* MFC index */
    bb_u32(dbi, 22); /* optional debug header */
    bb_u32(dbi, 0);  /* EC */
    bb_u16(dbi, 0);
    bb_u16(dbi, 0x14C);
    bb_u32(dbi, 0);
    bb_put(dbi, modi.p, modi.n);
    bb_put(dbi, sc.p, sc.n);
    for (int i = 0; i < 11; i++)
        bb_u16(dbi, dbg[i]);
    free(modi.p);
    free(sc.p);
    if (dmg == PG_NO_DBI)
        nil[3] = true;
    if (!spec->omap && st[0].n == 0)
        nil[0] = false; /* an empty stream 0, as real PDBs have */

    uint8_t *f = msf_write(st, nil, N, spec->bs ? spec->bs : 512, len);
    for (int i = 0; i < N; i++)
        free(st[i].p);
    return f;
}

#endif
