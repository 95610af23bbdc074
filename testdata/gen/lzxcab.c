/*
 * lzxcab: LZX encoder and cabinet writer for tests (lzxcab.h). Simple rather
 * than good: greedy matching over a hash chain, Huffman lengths limited by
 * flattening the counts until the longest code fits.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lzxcab.h"

#define FRAME 32768u
#define NCHARS 256
#define MAXSLOTS 50
#define NMAIN_MAX (NCHARS + 8 * MAXSLOTS)
#define NLEN 249
#define MAXMATCH 257
#define HBITS 16
#define CHAIN_STEPS 48

/* ------------------------------------------------------ bit writer */

typedef struct bw {
    uint8_t *p;
    size_t n, cap;
    uint32_t acc;
    unsigned nacc; /* bits in acc, < 16 */
    bool oom;
} bw;

static void put_byte(bw *w, uint8_t b)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 1 << 16;
        uint8_t *p = realloc(w->p, cap);
        if (!p) {
            w->oom = true;
            return;
        }
        w->p = p;
        w->cap = cap;
    }
    w->p[w->n++] = b;
}

/* n bits of v, most significant first, into 16-bit little-endian words. */
static void put_bits(bw *w, uint32_t v, unsigned n)
{
    while (n-- > 0) {
        w->acc = w->acc << 1 | ((v >> n) & 1);
        if (++w->nacc == 16) {
            put_byte(w, (uint8_t)w->acc);
            put_byte(w, (uint8_t)(w->acc >> 8));
            w->acc = 0;
            w->nacc = 0;
        }
    }
}

static void align16(bw *w)
{
    if (w->nacc)
        put_bits(w, 0, 16 - w->nacc);
}

/* ---------------------------------------------------------- Huffman */

/* Code lengths of at most maxlen bits for freq[0..n) (n <= NMAIN_MAX). */
static void code_lengths(const uint32_t *freq, unsigned n, unsigned maxlen, uint8_t *len)
{
    static uint32_t f[NMAIN_MAX], w[2 * NMAIN_MAX];
    static int parent[2 * NMAIN_MAX];
    static bool used[2 * NMAIN_MAX];
    memcpy(f, freq, n * sizeof *f);
    for (;;) {
        unsigned nodes = 0;
        for (unsigned s = 0; s < n; s++) {
            w[s] = f[s];
            parent[s] = -1;
            used[s] = f[s] == 0;
            nodes++;
        }
        unsigned live = 0;
        for (unsigned s = 0; s < n; s++)
            live += f[s] != 0;
        while (live > 1) {
            int a = -1, b = -1;
            for (unsigned k = 0; k < nodes; k++) {
                if (used[k])
                    continue;
                if (a < 0 || w[k] < w[a]) {
                    b = a;
                    a = (int)k;
                } else if (b < 0 || w[k] < w[b]) {
                    b = (int)k;
                }
            }
            w[nodes] = w[a] + w[b];
            parent[nodes] = -1;
            used[nodes] = false;
            used[a] = used[b] = true;
            parent[a] = parent[b] = (int)nodes;
            nodes++;
            live--;
        }
        unsigned longest = 0;
        for (unsigned s = 0; s < n; s++) {
            unsigned d = 0;
            for (int k = (int)s; f[s] && parent[k] >= 0; k = parent[k])
                d++;
            len[s] = (uint8_t)d;
            if (d > longest)
                longest = d;
        }
        if (longest <= maxlen)
            return;
        for (unsigned s = 0; s < n; s++)
            if (f[s])
                f[s] = (f[s] >> 1) | 1;
    }
}

/* Canonical codes from lengths. */
static void make_codes(const uint8_t *len, unsigned n, uint16_t *code)
{
    unsigned count[17] = {0}, next[18];
    for (unsigned s = 0; s < n; s++)
        count[len[s]]++;
    count[0] = 0;
    next[1] = 0;
    for (unsigned l = 1; l <= 16; l++)
        next[l + 1] = (next[l] + count[l]) << 1;
    for (unsigned s = 0; s < n; s++)
        if (len[s])
            code[s] = (uint16_t)next[len[s]]++;
}

/* At least two used symbols, so that every tree is a complete code. */
static void two_at_least(uint32_t *freq, unsigned n)
{
    unsigned used = 0;
    for (unsigned s = 0; s < n; s++)
        used += freq[s] != 0;
    for (unsigned s = 0; s < n && used < 2; s++)
        if (!freq[s])
            freq[s] = 1, used++;
}

/* -------------------------------------------------------------- LZX */

typedef struct token {
    uint16_t len;     /* bytes of output */
    uint16_t main;    /* main tree symbol */
    int16_t lensym;   /* length tree symbol, -1 none */
    int16_t aligned;  /* aligned tree symbol, -1 none */
    uint32_t verb;    /* verbatim offset bits */
    uint8_t verb_bits;
} token;

typedef struct enc {
    const lzxcab_opts *o;
    unsigned nslots, nmain;
    uint32_t wsize;
    const uint8_t *d;
    size_t L;
    uint32_t r[3];
    uint8_t prev_main[NMAIN_MAX], prev_len[NLEN];
    bw w;
    size_t *cuts; /* w.n where each CFDATA ends */
    size_t ncuts, last_cut;
    int32_t *head, *chain;
    bool damaged;
    uint8_t foot[MAXSLOTS];
    uint32_t base[MAXSLOTS];
} enc;

/* A frame ends at p: pad to 16 bits and start the next CFDATA. */
static void frame_edge(enc *e, size_t p)
{
    if (p == 0 || p % FRAME || p == e->last_cut)
        return;
    align16(&e->w);
    e->cuts[e->ncuts++] = e->w.n;
    e->last_cut = p;
}

static uint32_t hash3(const uint8_t *p)
{
    return ((uint32_t)p[0] << 16 ^ (uint32_t)p[1] << 8 ^ p[2]) * 2654435761u >> (32 - HBITS);
}

static void insert(enc *e, size_t p)
{
    if (p + 2 < e->L) {
        uint32_t h = hash3(e->d + p);
        e->chain[p] = e->head[h];
        e->head[h] = (int32_t)p;
    }
}

static unsigned match_len(const enc *e, size_t p, size_t from, unsigned max)
{
    unsigned l = 0;
    while (l < max && e->d[p + l] == e->d[from + l])
        l++;
    return l;
}

static unsigned slot_of(const enc *e, uint32_t formatted)
{
    unsigned s = 3;
    while (s + 1 < e->nslots && e->base[s + 1] <= formatted)
        s++;
    return s;
}

/* Greedy tokens for [bs, be). */
static token *tokenize(enc *e, size_t bs, size_t be, bool aligned, size_t *ntok)
{
    token *t = malloc((be - bs) * sizeof *t);
    if (!t)
        return NULL;
    size_t n = 0;
    for (size_t p = bs; p < be;) {
        size_t lim = be;
        size_t fend = (p / FRAME + 1) * FRAME;
        if (fend < lim)
            lim = fend;
        unsigned max = lim - p > MAXMATCH ? MAXMATCH : (unsigned)(lim - p);
        unsigned rl = 0, ri = 0;
        for (unsigned i = 0; i < 3 && max >= 2; i++) {
            uint32_t off = e->r[i];
            if (off == 0 || off > p || off > e->wsize - 3)
                continue;
            unsigned l = match_len(e, p, p - off, max);
            if (l > rl)
                rl = l, ri = i;
        }
        unsigned nl = 0;
        uint32_t noff = 0;
        if (max >= 3 && p + 2 < e->L && rl < max) {
            int32_t c = e->head[hash3(e->d + p)];
            for (int k = 0; k < CHAIN_STEPS && c >= 0; k++, c = e->chain[c]) {
                if (p - (size_t)c > e->wsize - 3)
                    break;
                unsigned l = match_len(e, p, (size_t)c, max);
                if (l > nl)
                    nl = l, noff = (uint32_t)(p - (size_t)c);
                if (nl == max)
                    break;
            }
        }
        token *k = &t[n++];
        memset(k, 0, sizeof *k);
        k->lensym = k->aligned = -1;
        unsigned len, slot;
        if (rl >= 2 && rl + 1 >= nl) {
            len = rl;
            slot = ri;
            uint32_t off = e->r[ri];
            e->r[ri] = e->r[0];
            e->r[0] = off;
        } else if (nl >= 3) {
            len = nl;
            if (e->o->damage == LZXCAB_FAR_MATCH && !e->damaged) {
                noff = (uint32_t)p + 1; /* one byte before the stream began */
                e->damaged = true;
            }
            uint32_t formatted = noff + 2;
            slot = slot_of(e, formatted);
            uint32_t v = formatted - e->base[slot];
            unsigned nb = e->foot[slot];
            if (aligned && nb >= 3) {
                k->verb = v >> 3;
                k->verb_bits = (uint8_t)(nb - 3);
                k->aligned = (int16_t)(v & 7);
            } else {
                k->verb = v;
                k->verb_bits = (uint8_t)nb;
            }
            e->r[2] = e->r[1];
            e->r[1] = e->r[0];
            e->r[0] = noff;
        } else {
            k->len = 1;
            k->main = e->d[p];
            insert(e, p);
            p++;
            continue;
        }
        unsigned lh = len - 2;
        k->len = (uint16_t)len;
        k->main = (uint16_t)(NCHARS + slot * 8 + (lh < 7 ? lh : 7));
        if (lh >= 7)
            k->lensym = (int16_t)(lh - 7);
        for (unsigned j = 0; j < len; j++)
            insert(e, p + j);
        p += len;
    }
    *ntok = n;
    return t;
}

/* Lengths new[a..b) as pretree codes against prev[a..b). */
static void write_lengths(enc *e, const uint8_t *nw, const uint8_t *prev, unsigned a, unsigned b)
{
    enum { MAXI = NMAIN_MAX };
    static uint8_t sym[MAXI], sym2[MAXI], ebits[MAXI];
    static uint16_t extra[MAXI];
    unsigned ni = 0;
    for (unsigned i = a; i < b;) {
        unsigned r = 1;
        while (i + r < b && nw[i + r] == nw[i])
            r++;
        ebits[ni] = 0;
        if (nw[i] == 0 && r >= 20) {
            r = r > 51 ? 51 : r;
            sym[ni] = 18, extra[ni] = (uint16_t)(r - 20), ebits[ni] = 5;
        } else if (nw[i] == 0 && r >= 4) {
            r = r > 19 ? 19 : r;
            sym[ni] = 17, extra[ni] = (uint16_t)(r - 4), ebits[ni] = 4;
        } else if (nw[i] != 0 && r >= 4) {
            r = r > 5 ? 5 : r;
            sym[ni] = 19, extra[ni] = (uint16_t)(r - 4), ebits[ni] = 1;
            sym2[ni] = (uint8_t)((prev[i] + 17 - nw[i]) % 17);
        } else {
            r = 1;
            sym[ni] = (uint8_t)((prev[i] + 17 - nw[i]) % 17);
        }
        ni++;
        i += r;
    }
    uint32_t freq[20] = {0};
    for (unsigned k = 0; k < ni; k++) {
        freq[sym[k]]++;
        if (sym[k] == 19)
            freq[sym2[k]]++;
    }
    two_at_least(freq, 20);
    uint8_t pl[20];
    uint16_t pc[20];
    code_lengths(freq, 20, 15, pl);
    make_codes(pl, 20, pc);
    for (unsigned s = 0; s < 20; s++)
        put_bits(&e->w, pl[s], 4);
    for (unsigned k = 0; k < ni; k++) {
        put_bits(&e->w, pc[sym[k]], pl[sym[k]]);
        put_bits(&e->w, extra[k], ebits[k]);
        if (sym[k] == 19)
            put_bits(&e->w, pc[sym2[k]], pl[sym2[k]]);
    }
}

static void block_header(enc *e, int type, size_t size)
{
    if (e->o->damage == LZXCAB_BAD_BLOCKTYPE && !e->damaged) {
        type = 0;
        e->damaged = true;
    }
    put_bits(&e->w, (uint32_t)type, 3);
    put_bits(&e->w, (uint32_t)(size >> 16), 8);
    put_bits(&e->w, (uint32_t)(size & 0xFFFF), 16);
}

static bool compressed_block(enc *e, size_t bs, size_t be, bool aligned)
{
    size_t nt;
    token *t = tokenize(e, bs, be, aligned, &nt);
    if (!t)
        return false;
    static uint32_t fm[NMAIN_MAX], fl[NLEN], fa[8];
    memset(fm, 0, sizeof fm);
    memset(fl, 0, sizeof fl);
    memset(fa, 0, sizeof fa);
    for (size_t k = 0; k < nt; k++) {
        fm[t[k].main]++;
        if (t[k].lensym >= 0)
            fl[t[k].lensym]++;
        if (t[k].aligned >= 0)
            fa[t[k].aligned]++;
    }
    two_at_least(fm, e->nmain);
    fl[0] |= 1, fl[1] |= 1; /* never an empty length tree */
    for (unsigned s = 0; s < 8; s++)
        fa[s] |= 1;
    uint8_t lm[NMAIN_MAX], ll[NLEN], la[8];
    uint16_t cm[NMAIN_MAX], cl[NLEN], ca[8];
    code_lengths(fm, e->nmain, 16, lm);
    code_lengths(fl, NLEN, 16, ll);
    code_lengths(fa, 8, 7, la);
    make_codes(lm, e->nmain, cm);
    make_codes(ll, NLEN, cl);
    make_codes(la, 8, ca);
    frame_edge(e, bs);
    block_header(e, aligned ? 2 : 1, be - bs);
    if (aligned)
        for (unsigned s = 0; s < 8; s++)
            put_bits(&e->w, la[s], 3);
    if (e->o->damage == LZXCAB_BAD_TREE && !e->damaged) {
        memset(lm, 1, NCHARS); /* 256 codes of one bit */
        e->damaged = true;
    }
    write_lengths(e, lm, e->prev_main, 0, NCHARS);
    write_lengths(e, lm, e->prev_main, NCHARS, e->nmain);
    write_lengths(e, ll, e->prev_len, 0, NLEN);
    memcpy(e->prev_main, lm, e->nmain);
    memcpy(e->prev_len, ll, NLEN);
    size_t p = bs;
    for (size_t k = 0; k < nt; k++) {
        frame_edge(e, p);
        put_bits(&e->w, cm[t[k].main], lm[t[k].main]);
        if (t[k].lensym >= 0)
            put_bits(&e->w, cl[t[k].lensym], ll[t[k].lensym]);
        put_bits(&e->w, t[k].verb, t[k].verb_bits);
        if (t[k].aligned >= 0)
            put_bits(&e->w, ca[t[k].aligned], la[t[k].aligned]);
        p += t[k].len;
    }
    free(t);
    return true;
}

static void uncompressed_block(enc *e, size_t bs, size_t be)
{
    frame_edge(e, bs);
    block_header(e, 3, be - bs);
    put_bits(&e->w, 0, e->w.nacc ? 16 - e->w.nacc : 16);
    for (int k = 0; k < 3; k++)
        for (int b = 0; b < 4; b++)
            put_byte(&e->w, (uint8_t)(e->r[k] >> (8 * b)));
    for (size_t p = bs; p < be; p++) {
        frame_edge(e, p);
        put_byte(&e->w, e->d[p]);
        insert(e, p);
    }
    if ((be - bs) & 1)
        put_byte(&e->w, 0);
}

/* The encoder's side of the E8 translation: call targets made absolute. */
static void e8_apply(uint8_t *p, size_t len, uint32_t size)
{
    int64_t fs = (int32_t)size;
    for (size_t f = 0; f * FRAME < len && f < 32768; f++) {
        size_t start = f * FRAME, n = len - start < FRAME ? len - start : FRAME;
        for (size_t i = 0; n > 10 && i < n - 10;) {
            uint8_t *q = p + start + i;
            if (*q != 0xE8) {
                i++;
                continue;
            }
            int64_t cur = (int64_t)(start + i);
            int64_t rel = (int32_t)((uint32_t)q[1] | (uint32_t)q[2] << 8 | (uint32_t)q[3] << 16 |
                                    (uint32_t)q[4] << 24);
            if (rel >= -cur && rel < fs) {
                uint32_t abs = (uint32_t)(rel < fs - cur ? rel + cur : rel - fs);
                for (int b = 0; b < 4; b++)
                    q[1 + b] = (uint8_t)(abs >> (8 * b));
            }
            i += 5;
        }
    }
}

static void le16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, v), le16(p + 2, v >> 16);
}

/* The cabinet: members m[0..n) in one LZX folder whose CFDATA blocks are
 * stream[cuts[k-1]..cuts[k]), each of 32 KiB of output but the last (ulast). */
static uint8_t *write_cab(unsigned window_bits, const uint8_t *stream, const size_t *cuts,
                          size_t nblocks, size_t ulast, const lzxcab_member *m, size_t n,
                          size_t *out_len)
{
    size_t files = 0, data = 0;
    for (size_t i = 0; i < n; i++)
        files += 16 + strlen(m[i].name) + 1;
    for (size_t k = 0; k < nblocks; k++) {
        size_t from = k ? cuts[k - 1] : 0, clen = cuts[k] - from;
        if (clen > 65535)
            return NULL;
        data += 8 + clen;
    }
    size_t total = 36 + 8 + files + data;
    uint8_t *c = calloc(1, total);
    if (!c)
        return NULL;
    memcpy(c, "MSCF", 4);
    le32(c + 8, (uint32_t)total);
    le32(c + 16, 44);
    c[24] = 3, c[25] = 1;
    le16(c + 26, 1);
    le16(c + 28, (uint32_t)n);
    le16(c + 32, 0x4C5A);
    le32(c + 36, (uint32_t)(44 + files));
    le16(c + 40, (uint32_t)nblocks);
    le16(c + 42, 3 | window_bits << 8);
    size_t pos = 44;
    uint32_t uoff = 0;
    for (size_t i = 0; i < n; i++) {
        le32(c + pos, (uint32_t)m[i].len);
        le32(c + pos + 4, uoff);
        le16(c + pos + 10, 0x5987); /* 2024-12-07 */
        le16(c + pos + 12, 0x6000); /* 12:00 */
        le16(c + pos + 14, 0x20);
        strcpy((char *)c + pos + 16, m[i].name);
        pos += 16 + strlen(m[i].name) + 1;
        uoff += (uint32_t)m[i].len;
    }
    for (size_t k = 0; k < nblocks; k++) {
        size_t from = k ? cuts[k - 1] : 0, clen = cuts[k] - from;
        size_t ulen = k + 1 < nblocks ? FRAME : ulast;
        le16(c + pos + 4, (uint32_t)clen);
        le16(c + pos + 6, (uint32_t)ulen);
        memcpy(c + pos + 8, stream + from, clen);
        pos += 8 + clen;
    }
    *out_len = total;
    return c;
}

uint8_t *lzxcab_write(const lzxcab_member *m, size_t n, const lzxcab_opts *o, size_t *len)
{
    static const uint8_t slots[] = {30, 32, 34, 36, 38, 42, 50};
    if (o->window_bits < 15 || o->window_bits > 21 || n == 0)
        return NULL;
    enc *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->o = o;
    e->wsize = 1u << o->window_bits;
    e->nslots = slots[o->window_bits - 15];
    e->nmain = NCHARS + 8 * e->nslots;
    uint32_t b = 0;
    for (unsigned s = 0; s < MAXSLOTS; s++) {
        unsigned f = s < 4 ? 0 : (s - 2) / 2;
        e->foot[s] = (uint8_t)(f > 17 ? 17 : f);
        e->base[s] = b;
        b += 1u << e->foot[s];
    }
    for (size_t i = 0; i < n; i++)
        e->L += m[i].len;
    uint8_t *d = malloc(e->L ? e->L : 1);
    e->head = malloc(sizeof *e->head << HBITS);
    e->chain = malloc((e->L ? e->L : 1) * sizeof *e->chain);
    e->cuts = malloc((e->L / FRAME + 2) * sizeof *e->cuts);
    uint8_t *out = NULL;
    if (!d || !e->head || !e->chain || !e->cuts || e->L == 0)
        goto done;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(d + at, m[i].data, m[i].len);
        at += m[i].len;
    }
    if (o->e8_size)
        e8_apply(d, e->L, o->e8_size);
    e->d = d;
    memset(e->head, 0xFF, sizeof *e->head << HBITS);
    e->r[0] = e->r[1] = e->r[2] = 1;
    put_bits(&e->w, o->e8_size != 0, 1);
    if (o->e8_size) {
        put_bits(&e->w, o->e8_size >> 16, 16);
        put_bits(&e->w, o->e8_size & 0xFFFF, 16);
    }
    const char *kinds = o->kinds && *o->kinds ? o->kinds : "v";
    size_t bsize = o->block_size ? o->block_size : 100000, nk = strlen(kinds);
    for (size_t bs = 0, k = 0; bs < e->L; bs += bsize, k++) {
        size_t be = e->L - bs < bsize ? e->L : bs + bsize;
        if (kinds[k % nk] == 'u')
            uncompressed_block(e, bs, be);
        else if (!compressed_block(e, bs, be, kinds[k % nk] == 'a'))
            goto done;
    }
    align16(&e->w);
    e->cuts[e->ncuts++] = e->w.n;
    if (!e->w.oom)
        out = write_cab(o->window_bits, e->w.p, e->cuts, e->ncuts,
                        e->L - (e->ncuts - 1) * (size_t)FRAME, m, n, len);
done:
    free(d);
    free(e->head);
    free(e->chain);
    free(e->cuts);
    free(e->w.p);
    free(e);
    return out;
}

uint8_t *lzxcab_frames(const char *name, unsigned window_bits, const uint8_t *stream,
                       const size_t *cuts, size_t nframes, size_t last_out, size_t *len)
{
    if (nframes == 0 || last_out == 0 || last_out > FRAME)
        return NULL;
    lzxcab_member m = {name, NULL, (nframes - 1) * (size_t)FRAME + last_out};
    return write_cab(window_bits, stream, cuts, nframes, last_out, &m, 1, len);
}

static uint32_t rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
    return rd16(p) | rd16(p + 2) << 16;
}

uint8_t *lzxcab_join(uint8_t *const *cabs, const size_t *lens, size_t n, size_t *len)
{
    /* each input is this file's own layout: header, one folder at 36, files
     * from 44 to the folder's first CFDATA, the blocks to the end */
    size_t files = 0, data = 0, nfiles = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t start = rd32(cabs[i] + 36);
        if (lens[i] < 44 || start < 44 || start > lens[i] || rd16(cabs[i] + 26) != 1)
            return NULL;
        files += start - 44;
        data += lens[i] - start;
        nfiles += rd16(cabs[i] + 28);
    }
    size_t head = 36 + 8 * n, total = head + files + data;
    uint8_t *c = calloc(1, total);
    if (!c)
        return NULL;
    memcpy(c, cabs[0], 36);
    le32(c + 8, (uint32_t)total);
    le32(c + 16, (uint32_t)head);
    le16(c + 26, (uint32_t)n);
    le16(c + 28, (uint32_t)nfiles);
    size_t fpos = head, dpos = head + files;
    for (size_t i = 0; i < n; i++) {
        uint32_t start = rd32(cabs[i] + 36);
        size_t at = fpos;
        memcpy(c + fpos, cabs[i] + 44, start - 44);
        fpos += start - 44;
        for (; at < fpos; at += 16 + strlen((const char *)c + at + 16) + 1)
            le16(c + at + 8, (uint32_t)i); /* iFolder */
        memcpy(c + 36 + 8 * i, cabs[i] + 36, 8);
        le32(c + 36 + 8 * i, (uint32_t)dpos);
        memcpy(c + dpos, cabs[i] + start, lens[i] - start);
        dpos += lens[i] - start;
    }
    *len = total;
    return c;
}
