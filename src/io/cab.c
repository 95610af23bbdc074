/*
 * Cabinet reader (doc/cab.md). The file is hostile: every table entry and
 * block is bounds-checked against the view, tables grow only with what the
 * file really holds, and decoding never produces more than a block's stated
 * size.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "io/cab.h"
#include "io/lzx.h"
#include "io/source.h"

#define WINDOW 32768u     /* deflate history carried between MSZIP blocks */
#define MAX_BLOCK 65535u  /* cbUncomp is 16 bits */
#define MAX_CHECKPOINTS 256
#define MIN_INTERVAL 32   /* blocks between checkpoints: 1 MiB of output */
/* LZX checkpoints hold a whole decoder (window up to 2 MiB): all the LZX
 * folders of an archive share this many bytes of them (doc/cab.md). */
#define LZX_CHECKPOINT_BUDGET (16u << 20)

enum { F_PREV = 1, F_NEXT = 2, F_RESERVE = 4 };

typedef struct block {
    uint64_t data;   /* file offset of the compressed bytes */
    uint32_t clen, ulen;
    uint64_t ustart; /* uncompressed offset inside the folder */
} block;

typedef struct folder {
    int type;
    unsigned wbits;     /* LZX window: 2^wbits bytes */
    size_t first, n;    /* its blocks in ds_cab.blocks */
    uint64_t usize;     /* sum of the blocks' sizes */
    size_t interval;    /* blocks between checkpoints */
    uint8_t **cp;       /* MSZIP: cp[k], the window before block k*interval (lazily) */
    uint32_t *cp_len;
    ds_lzx **lcp;       /* LZX: lcp[k], the decoder before block k*interval */
    size_t ncp;
} folder;

struct ds_cab {
    ds_bytes f;
    folder *folders;
    size_t nfolders;
    block *blocks;
    size_t nblocks;
    ds_cab_member *m;
    size_t nm;
    size_t interval;
    /* decoder position: the window before block `next` of folder `cur` */
    long cur;
    size_t next;
    uint8_t window[WINDOW];
    uint32_t wlen;
    ds_lzx *lzx; /* the LZX decoder of folder `cur` (LZX folders only) */
    /* the last decoded block */
    long cached_folder;
    size_t cached;
    uint8_t out[MAX_BLOCK];
    uint32_t out_len;
    uint8_t in[0x10000]; /* the compressed block being decoded (clen is 16 bits): a
                            large archive is read through windows, not kept */
    z_stream z;
    bool z_ready;
};

static const char *type_name(int t)
{
    static const char *const names[] = {"stored", "MSZIP", "Quantum", "LZX"};
    return t >= 0 && t < 4 ? names[t] : "unknown";
}

/* ------------------------------------------------------------ tables */

static char *member_name(const uint8_t *p, size_t max)
{
    char *s = ds_strndup_field(p, max);
    for (char *q = s; q && *q; q++)
        if ((unsigned char)*q < 0x20 || *q == 0x7F)
            *q = '?'; /* names are printed: no control characters */
    return s;
}

static int index_blocks(ds_cab *c, folder *fo, uint64_t pos, uint32_t count, uint8_t reserve)
{
    fo->first = c->nblocks;
    size_t cap = c->nblocks;
    for (uint32_t k = 0; k < count; k++) {
        uint8_t h[8]; /* read, not spanned: a large archive has many headers */
        if (ds_bytes_read(c->f, pos, h, sizeof h) != sizeof h)
            break; /* truncated archive: keep the blocks that are there */
        uint32_t clen = ds_le16(h + 4), ulen = ds_le16(h + 6);
        uint64_t data = pos + 8 + reserve;
        if (!ds_in_bounds(data, clen, c->f.size) || ulen == 0)
            break; /* ulen 0: continued in the next cabinet */
        if (c->nblocks == cap) {
            cap = cap ? cap * 2 : 64;
            block *b = realloc(c->blocks, cap * sizeof *b);
            if (!b)
                return -1;
            c->blocks = b;
        }
        c->blocks[c->nblocks++] = (block){data, clen, ulen, fo->usize};
        fo->usize += ulen;
        pos = data + clen;
    }
    fo->n = c->nblocks - fo->first;
    return 0;
}

static bool parse(ds_cab *c, ds_error *err)
{
    const uint8_t *h = ds_span(c->f, 0, 36);
    if (!h || !ds_cab_signature(h, 4)) {
        ds_set_error(err, DS_E_CORRUPT, "not a cabinet (no MSCF signature)");
        return false;
    }
    uint32_t coff_files = ds_le32(h + 16);
    uint16_t nfolders = ds_le16(h + 26), nfiles = ds_le16(h + 28), flags = ds_le16(h + 30);
    uint64_t pos = 36;
    uint16_t hres = 0;
    uint8_t fres = 0, dres = 0;
    if (flags & F_RESERVE) {
        const uint8_t *r = ds_span(c->f, pos, 4);
        if (!r) {
            ds_set_error(err, DS_E_CORRUPT, "cabinet header cut short");
            return false;
        }
        hres = ds_le16(r);
        fres = r[2];
        dres = r[3];
        pos += 4 + hres;
    }
    /* previous / next cabinet names: two strings each */
    for (int s = 0; s < ((flags & F_PREV) ? 2 : 0) + ((flags & F_NEXT) ? 2 : 0); s++) {
        /* the format keeps these names under 256 bytes */
        const uint8_t *p = ds_span(c->f, pos, 1);
        for (unsigned k = 0; p && *p && k < 256; k++)
            p = ds_span(c->f, ++pos, 1);
        if (!p || *p) {
            ds_set_error(err, DS_E_CORRUPT, "cabinet header cut short");
            return false;
        }
        pos++;
    }
    if (!ds_in_bounds(pos, (uint64_t)nfolders * (8u + fres), c->f.size)) {
        ds_set_error(err, DS_E_CORRUPT, "cabinet folder table outside the file");
        return false;
    }
    c->folders = calloc(nfolders ? nfolders : 1, sizeof *c->folders);
    if (!c->folders)
        goto oom;
    c->nfolders = nfolders;
    for (uint16_t i = 0; i < nfolders; i++, pos += 8u + fres) {
        const uint8_t *p = ds_span(c->f, pos, 8);
        if (!p) { /* unreadable although inside the file: the folders before stay */
            c->nfolders = i;
            break;
        }
        c->folders[i].type = ds_le16(p + 6) & 0xF;
        c->folders[i].wbits = (ds_le16(p + 6) >> 8) & 0x1F;
        if (index_blocks(c, &c->folders[i], ds_le32(p), ds_le16(p + 4), dres) != 0)
            goto oom;
    }
    /* Checkpoint spacing so that no archive needs more than MAX_CHECKPOINTS
     * windows (8 MiB) however large it is. */
    c->interval = c->nblocks / MAX_CHECKPOINTS + 1;
    if (c->interval < MIN_INTERVAL)
        c->interval = MIN_INTERVAL;
    size_t nlzx = 0;
    for (size_t i = 0; i < c->nfolders; i++)
        nlzx += c->folders[i].type == DS_CAB_LZX;
    for (size_t i = 0; i < c->nfolders; i++) {
        folder *fo = &c->folders[i];
        fo->interval = c->interval;
        if (fo->type == DS_CAB_LZX && fo->wbits >= DS_LZX_MIN_WINDOW_BITS &&
            fo->wbits <= DS_LZX_MAX_WINDOW_BITS) {
            /* the folder's share of the budget, in whole decoders */
            size_t slots = LZX_CHECKPOINT_BUDGET / nlzx / ds_lzx_footprint(fo->wbits);
            fo->interval = fo->n / (slots ? slots : 1) + 1;
            if (fo->interval < MIN_INTERVAL)
                fo->interval = MIN_INTERVAL;
        }
    }
    c->m = calloc(nfiles ? nfiles : 1, sizeof *c->m);
    if (!c->m)
        goto oom;
    pos = coff_files;
    for (uint16_t i = 0; i < nfiles; i++) {
        /* the entry and its name (at most 256 bytes), as one span: past
         * the resident head only the spanned bytes are in memory */
        uint64_t name_max = c->f.size - pos - 16;
        if (name_max > 256)
            name_max = 256;
        const uint8_t *p = ds_span(c->f, pos, 16 + name_max);
        if (!p)
            break; /* file table cut short: the members before stay */
        ds_cab_member *m = &c->m[c->nm];
        m->size = ds_le32(p);
        m->offset = ds_le32(p + 4);
        m->folder = ds_le16(p + 8);
        m->name = member_name(p + 16, (size_t)name_max);
        if (!m->name)
            goto oom;
        c->nm++;
        pos += 16 + strlen((const char *)m->name) + 1;
    }
    if (c->nm == 0) {
        ds_set_error(err, DS_E_CORRUPT, "cabinet holds no files");
        return false;
    }
    return true;
oom:
    ds_set_error(err, DS_E_NOMEM, "out of memory");
    return false;
}

ds_cab *ds_cab_open(ds_bytes file, ds_error *err)
{
    ds_cab *c = calloc(1, sizeof *c);
    if (!c) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        return NULL;
    }
    c->f = file;
    c->cur = c->cached_folder = -1;
    if (!parse(c, err)) {
        ds_cab_close(c);
        return NULL;
    }
    return c;
}

void ds_cab_close(ds_cab *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nfolders; i++) {
        for (size_t k = 0; k < c->folders[i].ncp; k++) {
            free(c->folders[i].cp[k]);
            ds_lzx_free(c->folders[i].lcp[k]);
        }
        free(c->folders[i].cp);
        free(c->folders[i].cp_len);
        free(c->folders[i].lcp);
    }
    for (size_t i = 0; i < c->nm; i++)
        free(c->m[i].name);
    if (c->z_ready)
        inflateEnd(&c->z);
    ds_lzx_free(c->lzx);
    free(c->folders);
    free(c->blocks);
    free(c->m);
    free(c);
}

size_t ds_cab_count(const ds_cab *c)
{
    return c ? c->nm : 0;
}

const ds_cab_member *ds_cab_member_at(const ds_cab *c, size_t i)
{
    return c && i < c->nm ? &c->m[i] : NULL;
}

static bool same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        int x = *a == '\\' ? '/' : tolower((unsigned char)*a);
        int y = *b == '\\' ? '/' : tolower((unsigned char)*b);
        if (x != y)
            return false;
    }
    return *a == *b;
}

long ds_cab_find(const ds_cab *c, const char *name)
{
    for (size_t i = 0; c && i < c->nm; i++)
        if (same_name(c->m[i].name, name))
            return (long)i;
    return -1;
}

int ds_cab_compression(const ds_cab *c, size_t i)
{
    if (!c || i >= c->nm || c->m[i].folder >= c->nfolders)
        return -1;
    return c->folders[c->m[i].folder].type;
}

/* ------------------------------------------------------- decoding */

static void window_append(ds_cab *c, const uint8_t *p, uint32_t n)
{
    if (n >= WINDOW) {
        memcpy(c->window, p + n - WINDOW, WINDOW);
        c->wlen = WINDOW;
        return;
    }
    if (c->wlen + n > WINDOW) {
        uint32_t drop = c->wlen + n - WINDOW;
        memmove(c->window, c->window + drop, c->wlen - drop);
        c->wlen -= drop;
    }
    memcpy(c->window + c->wlen, p, n);
    c->wlen += n;
}

/* Decode block k of folder fi with the current window into c->out. */
static int decode_one(ds_cab *c, size_t fi, size_t k, const char *member, ds_error *err)
{
    const folder *fo = &c->folders[fi];
    const block *b = &c->blocks[fo->first + k];
    const uint8_t *in = c->in;
    if (ds_bytes_read(c->f, b->data, c->in, b->clen) != b->clen) {
        ds_set_error(err, DS_E_IO, "%s: block %zu could not be read (the file shrank)", member, k);
        return -1;
    }
    if (fo->type == DS_CAB_LZX) {
        const char *why = ds_lzx_frame(c->lzx, in, b->clen, c->out, b->ulen);
        if (why) {
            ds_set_error(err, DS_E_CORRUPT, "%s: LZX block %zu is corrupt (%s)", member, k, why);
            return -1;
        }
        c->out_len = b->ulen;
        return 0;
    }
    if (fo->type == DS_CAB_NONE) {
        if (b->clen != b->ulen) {
            ds_set_error(err, DS_E_CORRUPT, "%s: stored cabinet block of %u bytes claims %u", member,
                         b->clen, b->ulen);
            return -1;
        }
        memcpy(c->out, in, b->ulen);
        c->out_len = b->ulen;
        return 0;
    }
    if (b->clen < 2 || in[0] != 'C' || in[1] != 'K') {
        ds_set_error(err, DS_E_CORRUPT, "%s: MSZIP block %zu has no CK signature", member, k);
        return -1;
    }
    if (!c->z_ready) {
        if (inflateInit2(&c->z, -15) != Z_OK) {
            ds_set_error(err, DS_E_NOMEM, "zlib init failed");
            return -1;
        }
        c->z_ready = true;
    } else if (inflateReset(&c->z) != Z_OK) {
        ds_set_error(err, DS_E_NOMEM, "zlib reset failed");
        return -1;
    }
    /* each block is its own deflate stream over the history so far */
    if (c->wlen && inflateSetDictionary(&c->z, c->window, c->wlen) != Z_OK) {
        ds_set_error(err, DS_E_NOMEM, "zlib refused the MSZIP window");
        return -1;
    }
    c->z.next_in = (Bytef *)(in + 2);
    c->z.avail_in = b->clen - 2;
    c->z.next_out = c->out;
    c->z.avail_out = b->ulen;
    int rc = inflate(&c->z, Z_FINISH);
    if ((rc != Z_STREAM_END && rc != Z_OK && rc != Z_BUF_ERROR) || c->z.avail_out != 0) {
        ds_set_error(err, DS_E_CORRUPT, "%s: MSZIP block %zu is corrupt (%s)", member, k,
                     c->z.msg ? c->z.msg : "short output");
        return -1;
    }
    c->out_len = b->ulen;
    return 0;
}

static bool has_checkpoint(const folder *fo, size_t slot)
{
    return slot < fo->ncp && (fo->type == DS_CAB_LZX ? fo->lcp[slot] != NULL : fo->cp[slot] != NULL);
}

/* Keep the state before block k (a multiple of the folder's interval). */
static int save_checkpoint(ds_cab *c, folder *fo, size_t k)
{
    size_t slot = k / fo->interval;
    if (slot >= fo->ncp) {
        size_t n = fo->n / fo->interval + 1;
        uint8_t **cp = realloc(fo->cp, n * sizeof *cp);
        if (!cp)
            return -1;
        fo->cp = cp;
        uint32_t *len = realloc(fo->cp_len, n * sizeof *len);
        if (!len)
            return -1;
        fo->cp_len = len;
        ds_lzx **lcp = realloc(fo->lcp, n * sizeof *lcp);
        if (!lcp)
            return -1;
        fo->lcp = lcp;
        for (size_t i = fo->ncp; i < n; i++)
            fo->cp[i] = NULL, fo->cp_len[i] = 0, fo->lcp[i] = NULL;
        fo->ncp = n;
    }
    if (has_checkpoint(fo, slot))
        return 0;
    if (fo->type == DS_CAB_LZX) {
        if (!(fo->lcp[slot] = ds_lzx_new(fo->wbits)))
            return -1;
        return ds_lzx_copy(fo->lcp[slot], c->lzx) ? 0 : -1;
    }
    fo->cp[slot] = malloc(c->wlen ? c->wlen : 1);
    if (!fo->cp[slot])
        return -1;
    memcpy(fo->cp[slot], c->window, c->wlen);
    fo->cp_len[slot] = c->wlen;
    return 0;
}

/* Check the folder's method, and for LZX have a decoder of its window size. */
static int ready_decoder(ds_cab *c, const folder *fo, const char *member, ds_error *err)
{
    if (fo->type == DS_CAB_NONE || fo->type == DS_CAB_MSZIP)
        return 0;
    if (fo->type != DS_CAB_LZX) {
        ds_set_error(err, DS_E_UNSUPPORTED, "%s: %s-compressed cabinet folder: not supported (extract it "
                     "with cabextract or expand.exe)", member, type_name(fo->type));
        return -1;
    }
    if (fo->wbits < DS_LZX_MIN_WINDOW_BITS || fo->wbits > DS_LZX_MAX_WINDOW_BITS) {
        ds_set_error(err, DS_E_CORRUPT, "%s: LZX folder with a window of 2^%u bytes (15..21 allowed)",
                     member, fo->wbits);
        return -1;
    }
    if (c->lzx && ds_lzx_window_bits(c->lzx) == fo->wbits)
        return 0;
    ds_lzx_free(c->lzx);
    c->cur = -1; /* the state of folder cur is gone */
    if (!(c->lzx = ds_lzx_new(fo->wbits))) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        return -1;
    }
    return 0;
}

/* Make c->out hold block k of folder fi. */
static int get_block(ds_cab *c, size_t fi, size_t k, const char *member, ds_error *err)
{
    if (c->cached_folder == (long)fi && c->cached == k)
        return 0;
    folder *fo = &c->folders[fi];
    if (ready_decoder(c, fo, member, err) != 0)
        return -1;
    /* resume from the later of the decoder's position and the nearest saved
     * state at or before k; stored blocks need no history */
    size_t slot = k / fo->interval;
    while (slot > 0 && !has_checkpoint(fo, slot))
        slot--;
    size_t from = fo->type == DS_CAB_NONE ? k : slot * fo->interval;
    if (c->cur != (long)fi || c->next > k || c->next < from) {
        /* resume from the checkpoint (its window is the decoder's: both are
         * the folder's), or decode from the folder's start */
        if (fo->type == DS_CAB_LZX && !(slot && ds_lzx_copy(c->lzx, fo->lcp[slot]))) {
            ds_lzx_reset(c->lzx);
            slot = 0;
            from = 0;
        }
        c->cur = (long)fi;
        c->next = from;
        c->wlen = fo->type == DS_CAB_MSZIP && slot ? fo->cp_len[slot] : 0;
        if (c->wlen)
            memcpy(c->window, fo->cp[slot], c->wlen);
    }
    c->cached_folder = -1;
    while (c->next <= k) {
        if (c->next % fo->interval == 0 && c->next && fo->type != DS_CAB_NONE &&
            save_checkpoint(c, fo, c->next) != 0) {
            ds_set_error(err, DS_E_NOMEM, "out of memory");
            return -1;
        }
        if (decode_one(c, fi, c->next, member, err) != 0) {
            c->cur = -1; /* the window is unusable now */
            return -1;
        }
        if (fo->type == DS_CAB_MSZIP)
            window_append(c, c->out, c->out_len);
        c->next++;
    }
    c->cached_folder = (long)fi;
    c->cached = k;
    return 0;
}

/* The block of folder fo holding uncompressed offset u (u < fo->usize). */
static size_t block_at(const ds_cab *c, const folder *fo, uint64_t u)
{
    size_t lo = 0, hi = fo->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->blocks[fo->first + mid].ustart <= u)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int64_t ds_cab_read(ds_cab *c, size_t i, uint64_t off, void *buf, size_t len,
                    ds_error *err)
{
    if (!c || i >= c->nm) {
        ds_set_error(err, DS_E_NOT_FOUND, "no such cabinet member");
        return -1;
    }
    const ds_cab_member *m = &c->m[i];
    if (m->folder >= c->nfolders) {
        ds_set_error(err, DS_E_UNSUPPORTED, "%s: continued from or in another cabinet: not supported",
                     m->name);
        return -1;
    }
    if (off >= m->size)
        return 0;
    if (len > m->size - off)
        len = (size_t)(m->size - off);
    const folder *fo = &c->folders[m->folder];
    uint8_t *dst = buf;
    size_t done = 0;
    while (done < len) {
        uint64_t u = (uint64_t)m->offset + off + done;
        if (u >= fo->usize) {
            if (done == 0) {
                ds_set_error(err, DS_E_CORRUPT, "%s: cabinet data cut short", m->name);
                return -1;
            }
            break;
        }
        size_t k = block_at(c, fo, u);
        if (get_block(c, m->folder, k, m->name, err) != 0)
            return done ? (int64_t)done : -1;
        const block *b = &c->blocks[fo->first + k];
        uint64_t in_block = u - b->ustart;
        size_t take = (size_t)(b->ulen - in_block);
        if (take > len - done)
            take = len - done;
        memcpy(dst + done, c->out + in_block, take);
        done += take;
    }
    return (int64_t)done;
}

int ds_cab_extract_fd(ds_cab *c, size_t i, int fd, uint64_t limit, ds_error *err)
{
    const ds_cab_member *m = ds_cab_member_at(c, i);
    if (!m) {
        ds_set_error(err, DS_E_NOT_FOUND, "no such cabinet member");
        return -1;
    }
    if (m->size > limit) {
        ds_set_error(err, DS_E_TOO_LARGE, "%s: %llu bytes, more than the %llu allowed", m->name,
                     (unsigned long long)m->size, (unsigned long long)limit);
        return -1;
    }
    uint8_t *buf = malloc(1 << 16);
    if (!buf) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        return -1;
    }
    int rc = 0;
    for (uint64_t off = 0; off < m->size;) {
        int64_t n = ds_cab_read(c, i, off, buf, 1 << 16, err);
        if (n <= 0) {
            if (n == 0)
                ds_set_error(err, DS_E_CORRUPT, "%s: cabinet data cut short", m->name);
            rc = -1;
            break;
        }
        for (int64_t w = 0; w < n;) {
            ssize_t r = write(fd, buf + w, (size_t)(n - w));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                ds_set_error(err, DS_E_IO, "cannot write %s: %s", m->name, strerror(errno));
                free(buf);
                return -1;
            }
            w += r;
        }
        off += (uint64_t)n;
    }
    free(buf);
    return rc;
}
