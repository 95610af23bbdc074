#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "io/file.h"
#include "io/gzindex.h"
#include "io/source.h"

#define WIN DS_GZ_WINDOW
#define CBLK (64u << 10)                /* cache block */
#define NSLOTS (DS_GZ_CACHE / CBLK)
#define INBUF (64u << 10)               /* compressed bytes read at a time */

typedef struct gz_point {
    uint64_t out, in;  /* inflated offset; compressed offset of the next whole byte */
    uint8_t bits;      /* bits of the byte before `in` still to be decoded */
    uint32_t wlen;
    uint8_t *win;      /* the wlen bytes of output before `out` */
} gz_point;

typedef struct gz_slot {
    uint64_t blk;
    uint32_t len;
    bool valid;
} gz_slot;

struct ds_gz {
    const uint8_t *mem;
    int fd;
    uint64_t csize, usize;
    gz_point *pts;
    size_t npts;
    uint64_t spacing;
    pthread_mutex_t lock;
    /* the read cursor: a live inflate stream at inflated offset cur_out */
    z_stream z;
    bool z_init, z_live, z_raw;
    uint64_t cur_out, cur_in; /* cur_in: next compressed byte not yet given to z */
    uint8_t *inbuf, *cache, *scratch;
    gz_slot slots[NSLOTS];
};

static bool is_gzip_at(const ds_gz *g, uint64_t pos)
{
    uint8_t b[3];
    if (pos > g->csize || g->csize - pos < 3)
        return false;
    if (g->mem)
        memcpy(b, g->mem + pos, 3);
    else if (ds_file_pread(g->fd, b, 3, pos) != 3)
        return false;
    return b[0] == 0x1F && b[1] == 0x8B && b[2] == 8;
}

/* Give z the compressed bytes from *pos on; false at the end of the input. */
static bool feed(ds_gz *g, z_stream *z, uint64_t *pos)
{
    if (*pos >= g->csize)
        return false;
    uint64_t left = g->csize - *pos;
    if (g->mem) {
        z->next_in = (Bytef *)(g->mem + *pos);
        z->avail_in = left > (1u << 30) ? 1u << 30 : (uInt)left;
    } else {
        ssize_t n = ds_file_pread(g->fd, g->inbuf, left < INBUF ? (size_t)left : INBUF, *pos);
        if (n <= 0)
            return false;
        z->next_in = g->inbuf;
        z->avail_in = (uInt)n;
    }
    *pos += z->avail_in;
    return true;
}

/* After a member's end: move z to the next member, or false when none
 * follows (trailing bytes that are not gzip are ignored, as gzip does).
 * A raw stream (resumed at a checkpoint) has not read the 8-byte trailer. */
static bool next_member(ds_gz *g, z_stream *z, uint64_t *pos, bool *raw)
{
    uint64_t next = *pos - z->avail_in + (*raw ? 8 : 0);
    if (!is_gzip_at(g, next))
        return false;
    z->avail_in = 0;
    *pos = next;
    *raw = false;
    return inflateReset2(z, 31) == Z_OK;
}

/* ------------------------------------------------------------ the index */

static void free_points(ds_gz *g)
{
    for (size_t i = 0; i < g->npts; i++)
        free(g->pts[i].win);
    free(g->pts);
    g->pts = NULL;
    g->npts = 0;
}

/* A checkpoint at inflated offset out; ring[] holds the last output bytes,
 * wpos the next write position in it. */
static int add_point(ds_gz *g, z_stream *z, uint64_t pos, uint64_t out, const uint8_t *ring,
                     uint32_t wpos)
{
    if (g->npts == DS_GZ_MAX_POINTS) { /* keep every other one, twice as far apart */
        size_t k = 0;
        for (size_t i = 0; i < g->npts; i++) {
            if (i % 2)
                free(g->pts[i].win);
            else
                g->pts[k++] = g->pts[i];
        }
        g->npts = k;
        g->spacing *= 2;
        if (out - g->pts[g->npts - 1].out < g->spacing)
            return 0;
    }
    gz_point p = {.out = out, .in = pos - z->avail_in, .bits = (uint8_t)(z->data_type & 7)};
    p.wlen = out < WIN ? (uint32_t)out : WIN;
    if (p.wlen && !(p.win = malloc(p.wlen)))
        return -1;
    if (out < WIN) {
        if (p.wlen)
            memcpy(p.win, ring, p.wlen); /* the ring has not wrapped yet */
    } else {
        uint32_t at = wpos % WIN; /* oldest byte */
        memcpy(p.win, ring + at, WIN - at);
        memcpy(p.win + (WIN - at), ring, at);
    }
    g->pts[g->npts++] = p;
    return 0;
}

/* The output sink of the first pass: everything while it fits keep_max,
 * then only the first `head` bytes. */
typedef struct sink {
    uint8_t *buf;
    size_t len, cap;
    bool large;
} sink;

static int sink_put(sink *k, const ds_gz_limits *lim, uint64_t total, const uint8_t *p,
                    size_t n, ds_error *err)
{
    if (!k->large && total + n > lim->keep_max) {
        if (lim->whole_only) {
            ds_set_error(err, DS_E_TOO_LARGE, "gzip data inflates beyond %llu bytes", (unsigned long long)lim->keep_max);
            return -1;
        }
        k->large = true;
        if (k->len > lim->head)
            k->len = (size_t)lim->head;
        uint8_t *nb = realloc(k->buf, k->len + 1);
        if (nb) {
            k->buf = nb;
            k->cap = k->len;
        }
    }
    uint64_t room = k->large ? (total < lim->head ? lim->head - total : 0) : n;
    size_t take = n < room ? n : (size_t)room;
    if (!take)
        return 0;
    if (k->len + take > k->cap) {
        size_t cap = k->cap ? k->cap : 1 << 16;
        while (cap < k->len + take)
            cap *= 2;
        if (k->large && cap > lim->head)
            cap = (size_t)lim->head;
        uint8_t *nb = realloc(k->buf, cap + 1);
        if (!nb) {
            ds_set_error(err, DS_E_NOMEM, "out of memory");
            return -1;
        }
        k->buf = nb;
        k->cap = cap;
    }
    memcpy(k->buf + k->len, p, take);
    k->len += take;
    return 0;
}

/* The one full pass: inflate everything, stopping at each deflate block
 * boundary (Z_BLOCK) to place checkpoints. */
static int first_pass(ds_gz *g, const ds_gz_limits *lim, sink *k, bool *truncated,
                      ds_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    uint8_t *ring = malloc(WIN);
    if (!ring || inflateInit2(&z, 31) != Z_OK) {
        free(ring);
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        return -1;
    }
    uint64_t pos = 0, total = 0, last = 0;
    uint32_t wpos = 0;
    bool raw = false;
    int ret = -1;
    for (;;) {
        if (z.avail_in == 0 && !feed(g, &z, &pos)) {
            *truncated = true; /* input ended inside a member */
            break;
        }
        if (wpos == WIN)
            wpos = 0;
        z.next_out = ring + wpos;
        z.avail_out = WIN - wpos;
        int rc = inflate(&z, Z_BLOCK);
        size_t got = (WIN - wpos) - z.avail_out;
        if (got) {
            if (total + got > lim->max_out) {
                ds_set_error(err, DS_E_TOO_LARGE, "gzip data inflates beyond the limit of %llu bytes",
                             (unsigned long long)lim->max_out);
                goto done;
            }
            if (sink_put(k, lim, total, ring + wpos, got, err) != 0)
                goto done;
            total += got;
            wpos += (uint32_t)got;
        }
        if (rc == Z_STREAM_END) {
            if (!next_member(g, &z, &pos, &raw))
                break;
            continue;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            if (total == 0) {
                ds_set_error(err, DS_E_CORRUPT, "corrupt gzip data: %s", z.msg ? z.msg : "inflate failed");
                goto done;
            }
            *truncated = true; /* damaged tail: what inflated so far stands */
            break;
        }
        if ((z.data_type & 128) && !(z.data_type & 64) &&
            (g->npts == 0 || total - last >= g->spacing)) {
            if (add_point(g, &z, pos, total, ring, wpos) != 0) {
                ds_set_error(err, DS_E_NOMEM, "out of memory");
                goto done;
            }
            last = total;
        }
    }
    g->usize = total;
    ret = 0;
done:
    inflateEnd(&z);
    free(ring);
    return ret;
}

int ds_gz_open(const ds_gz_input *in, const ds_gz_limits *lim, ds_gz_result *out,
               ds_error *err)
{
    memset(out, 0, sizeof *out);
    ds_gz *g = calloc(1, sizeof *g);
    if (!g || !(g->inbuf = malloc(INBUF))) {
        free(g);
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        return -1;
    }
    g->mem = in->mem;
    g->fd = in->mem ? -1 : in->fd;
    g->csize = in->size;
    g->spacing = lim->spacing;
    g->pts = calloc(DS_GZ_MAX_POINTS, sizeof *g->pts);
    sink k = {0};
    if (!g->pts) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        goto fail;
    }
    if (first_pass(g, lim, &k, &out->truncated, err) != 0)
        goto fail;
    if (!k.buf && !(k.buf = malloc(1))) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        goto fail;
    }
    k.buf[k.len] = '\0'; /* text readers (Breakpad) may rely on a terminator */
    out->data = k.buf;
    out->resident = k.len;
    out->total = g->usize;
    if (!k.large) { /* all of it is in memory: no index needed */
        free_points(g);
        free(g->inbuf);
        free(g);
        return 0;
    }
    g->cache = malloc(DS_GZ_CACHE);
    g->scratch = malloc(CBLK);
    if (!g->cache || !g->scratch) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        out->data = NULL;
        goto fail;
    }
    pthread_mutex_init(&g->lock, NULL);
    out->index = g;
    return 0;
fail:
    free(k.buf);
    g->fd = -1; /* still the caller's */
    free_points(g);
    free(g->cache);
    free(g->scratch);
    free(g->inbuf);
    free(g);
    return -1;
}

/* ------------------------------------------------------------ reading */

/* Restart the cursor at checkpoint p. */
static bool resume(ds_gz *g, const gz_point *p)
{
    g->z_live = false;
    int rc = g->z_init ? inflateReset2(&g->z, -15) : inflateInit2(&g->z, -15);
    if (rc != Z_OK)
        return false;
    g->z_init = true;
    g->z.avail_in = 0;
    g->cur_in = p->in;
    if (p->bits) { /* the block starts inside the byte before `in` */
        uint8_t b;
        if (p->in == 0)
            return false;
        if (g->mem)
            b = g->mem[p->in - 1];
        else if (ds_file_pread(g->fd, &b, 1, p->in - 1) != 1)
            return false;
        if (inflatePrime(&g->z, p->bits, b >> (8 - p->bits)) != Z_OK)
            return false;
    }
    if (p->wlen && inflateSetDictionary(&g->z, p->win, p->wlen) != Z_OK)
        return false;
    g->z_raw = true;
    g->cur_out = p->out;
    g->z_live = true;
    return true;
}

/* Inflate the next n bytes at the cursor into dst; the count produced
 * (short at the end of the data or on damage: the cursor is then dropped). */
static size_t produce(ds_gz *g, uint8_t *dst, size_t n)
{
    size_t done = 0;
    while (done < n) {
        if (g->z.avail_in == 0 && !feed(g, &g->z, &g->cur_in))
            break;
        g->z.next_out = dst + done;
        g->z.avail_out = (uInt)(n - done);
        int rc = inflate(&g->z, Z_NO_FLUSH);
        size_t got = (n - done) - g->z.avail_out;
        done += got;
        g->cur_out += got;
        if (rc == Z_STREAM_END) {
            if (!next_member(g, &g->z, &g->cur_in, &g->z_raw))
                break;
            continue;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            break;
    }
    if (done < n)
        g->z_live = false;
    return done;
}

/* Fill cache slot s with inflated block blk. */
static void fill(ds_gz *g, gz_slot *s, uint8_t *data, uint64_t blk)
{
    uint64_t start = blk * CBLK;
    size_t n = g->usize - start < CBLK ? (size_t)(g->usize - start) : CBLK;
    s->valid = false;
    if (g->npts == 0)
        return;
    /* the last checkpoint at or before start */
    size_t lo = 0, hi = g->npts;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (g->pts[mid].out <= start)
            lo = mid;
        else
            hi = mid;
    }
    const gz_point *p = &g->pts[lo];
    bool cursor_ok = g->z_live && g->cur_out <= start && g->cur_out >= p->out;
    if (!cursor_ok && !resume(g, p))
        return;
    while (g->cur_out < start) {
        uint64_t skip = start - g->cur_out;
        size_t step = skip < CBLK ? (size_t)skip : CBLK;
        if (produce(g, g->scratch, step) < step)
            return;
    }
    s->len = (uint32_t)produce(g, data, n);
    s->blk = blk;
    s->valid = true;
}

size_t ds_gz_read(ds_gz *g, uint64_t off, void *buf, size_t len)
{
    size_t done = 0;
    pthread_mutex_lock(&g->lock);
    while (done < len && off + done < g->usize) {
        uint64_t at = off + done, blk = at / CBLK;
        gz_slot *s = &g->slots[blk % NSLOTS];
        uint8_t *data = g->cache + (blk % NSLOTS) * CBLK;
        if (!s->valid || s->blk != blk)
            fill(g, s, data, blk);
        uint64_t in_blk = at - blk * CBLK;
        if (!s->valid || in_blk >= s->len)
            break;
        size_t take = s->len - in_blk < len - done ? (size_t)(s->len - in_blk) : len - done;
        memcpy((uint8_t *)buf + done, data + in_blk, take);
        done += take;
    }
    pthread_mutex_unlock(&g->lock);
    return done;
}

uint64_t ds_gz_memory(ds_gz *g)
{
    pthread_mutex_lock(&g->lock);
    uint64_t n = sizeof *g + INBUF + DS_GZ_CACHE + CBLK + g->npts * sizeof *g->pts;
    for (size_t i = 0; i < g->npts; i++)
        n += g->pts[i].wlen;
    pthread_mutex_unlock(&g->lock);
    return n;
}

void ds_gz_free(ds_gz *g)
{
    if (!g)
        return;
    if (g->z_init)
        inflateEnd(&g->z);
    if (g->fd >= 0)
        close(g->fd);
    free_points(g);
    free(g->inbuf);
    free(g->cache);
    free(g->scratch);
    pthread_mutex_destroy(&g->lock);
    free(g);
}
