/*
 * LZX cabinet folders (src/io/lzx.c through src/io/cab.c) over cabinets made
 * by the test encoder testdata/gen/lzxcab.c. Every cabinet is first extracted
 * by Debian's cabextract, an independent decoder, so the encoder is checked
 * before dumpscan is compared with it: uncompressed, verbatim and aligned
 * blocks, window sizes 2^15..2^21, E8 translation, blocks spanning frames,
 * odd uncompressed blocks (and where their pad byte goes), whole and
 * random-order reads (checkpoints), several folders of different windows in
 * one cabinet, and hostile cabinets (a bad tree, a match
 * before the data, a bad block type, a truncated block, a bad window size)
 * that must be errors naming the member.
 * Exits 77 (skipped) without cabextract.
 */
#include <unistd.h>

#include "check.h"
#include "io/cab.h"
#include "io/lzx.h"
#include "lzxcab.h"

static char dir[64];

static void put_file(const char *name, const uint8_t *p, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fwrite(p, 1, n, f) == n);
        fclose(f);
    }
}

/* cabextract's verdict: 0 when it extracted every member, identical to the
 * data given (member names BIG.BIN and small.txt). */
static int cabextract_same(const char *cab, const uint8_t *big, size_t nbig, const char *small)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cd %s && rm -rf x && mkdir x && cabextract -q -d x %s 2>/dev/null",
             dir, cab);
    if (system(cmd) != 0)
        return -1;
    char path[256];
    size_t n;
    snprintf(path, sizeof path, "%s/x/BIG.BIN", dir);
    uint8_t *got = check_slurp(path, &n);
    int same = got && n == nbig && memcmp(got, big, n) == 0;
    free(got);
    if (small) {
        snprintf(path, sizeof path, "%s/x/small.txt", dir);
        got = check_slurp(path, &n);
        same = same && got && n == strlen(small) && memcmp(got, small, n) == 0;
        free(got);
    }
    return same ? 0 : 1;
}

/* Text-like bytes with repeats near and far (up to `far` back, across frames
 * and CFDATA blocks), runs, stretches of noise and x86 calls (E8 rel32). */
static uint8_t *make_data(size_t n, uint32_t seed, size_t far)
{
    uint8_t *p = malloc(n);
    uint32_t x = seed;
    for (size_t i = 0; i < n;) {
        x = x * 1103515245u + 12345u;
        unsigned what = (x >> 24) % 8;
        size_t len = 1 + (x >> 8) % 300;
        if (len > n - i)
            len = n - i;
        if (what < 3 && i > 1000 && far) { /* a repeat */
            size_t back = 1 + (x >> 4) % (i < far ? i : far);
            for (size_t k = 0; k < len; k++, i++)
                p[i] = p[i - back];
        } else if (what == 3) { /* a run */
            memset(p + i, (int)(x >> 16) & 0xFF, len);
            i += len;
        } else if (what == 4 && len > 5) { /* a call */
            uint32_t rel = (x >> 3) % 400000 - 200000;
            p[i] = 0xE8;
            for (int b = 0; b < 4; b++)
                p[i + 1 + b] = (uint8_t)(rel >> (8 * b));
            i += 5;
        } else if (what == 5) { /* noise */
            for (size_t k = 0; k < len; k++, i++) {
                x = x * 1103515245u + 12345u;
                p[i] = (uint8_t)(x >> 23);
            }
        } else { /* words */
            static const char *const words[] = {"kernel ", "driver ", "fault ", "MEMORY.DMP ",
                                                "0x", "\r\n", "stack ", "nt!"};
            for (size_t k = 0; k < len && i < n; k++) {
                const char *w = words[(x >> (k % 20)) % 8];
                for (; *w && i < n; w++)
                    p[i++] = (uint8_t)*w;
            }
        }
    }
    return p;
}

static const char small_text[] = "the second member, small and plain\n";

static ds_cab *open_cab(const uint8_t *file, size_t len)
{
    ds_error err;
    ds_cab *c = ds_cab_open((ds_bytes){.data = file, .size = len}, &err);
    if (!c)
        fprintf(stderr, "ds_cab_open: %s\n", err.text);
    return c;
}

/* One configuration: cabextract agrees with the data, then dumpscan does. */
static void roundtrip(const char *label, const lzxcab_opts *o, size_t n, size_t far)
{
    uint8_t *data = make_data(n, (uint32_t)n ^ o->window_bits, far);
    lzxcab_member m[2] = {{"BIG.BIN", data, n},
                          {"small.txt", (const uint8_t *)small_text, strlen(small_text)}};
    size_t len;
    uint8_t *cab = lzxcab_write(m, 2, o, &len);
    CHECK(cab != NULL);
    if (!cab) {
        free(data);
        return;
    }
    put_file("t.cab", cab, len);
    int verdict = cabextract_same("t.cab", data, n, small_text);
    if (verdict != 0)
        fprintf(stderr, "%s: cabextract %s\n", label, verdict < 0 ? "failed" : "differs");
    CHECK(verdict == 0);
    ds_cab *c = open_cab(cab, len);
    CHECK(c != NULL);
    if (!c) {
        free(cab);
        free(data);
        return;
    }
    ds_error err;
    long big = ds_cab_find(c, "BIG.BIN"), sm = ds_cab_find(c, "small.txt");
    CHECK(big == 0 && sm == 1);
    CHECK_EQ_U64(ds_cab_compression(c, 0), DS_CAB_LZX);
    uint8_t *buf = malloc(n + 100);
    int64_t got = ds_cab_read(c, 0, 0, buf, n, &err);
    if (got != (int64_t)n)
        fprintf(stderr, "%s: whole read: %lld (%s)\n", label, (long long)got, err.text);
    CHECK(got == (int64_t)n && memcmp(buf, data, n) == 0);
    /* random order: backward jumps resume from a checkpoint or the start */
    uint32_t x = 99;
    bool same = true;
    for (int k = 0; k < 60; k++) {
        x = x * 1103515245u + 12345u;
        uint64_t off = (x >> 4) % n;
        size_t want = 1 + (x % 50000);
        size_t exp = off + want > n ? n - off : want;
        got = ds_cab_read(c, 0, off, buf, want, &err);
        if (got != (int64_t)exp || memcmp(buf, data + off, exp) != 0)
            same = false;
    }
    CHECK(same);
    CHECK(ds_cab_read(c, 1, 0, buf, 100, &err) == (int64_t)strlen(small_text));
    CHECK(memcmp(buf, small_text, strlen(small_text)) == 0);
    ds_cab_close(c);
    free(buf);
    free(cab);
    free(data);
}

/* A damaged cabinet: cabextract fails on it too, and dumpscan reports an
 * error naming the member instead of returning bytes. */
static void damaged(const char *label, int damage, const char *why)
{
    size_t n = 80000;
    uint8_t *data = make_data(n, 5, 20000);
    lzxcab_opts o = {.window_bits = 16, .kinds = "v", .damage = damage};
    lzxcab_member m = {"BIG.BIN", data, n};
    size_t len;
    uint8_t *cab = lzxcab_write(&m, 1, &o, &len);
    CHECK(cab != NULL);
    if (cab) {
        put_file("bad.cab", cab, len);
        CHECK(cabextract_same("bad.cab", data, n, NULL) != 0);
        ds_cab *c = open_cab(cab, len);
        CHECK(c != NULL);
        if (c) {
            ds_error err;
            uint8_t *buf = malloc(n);
            CHECK(ds_cab_read(c, 0, 0, buf, n, &err) == -1);
            if (!strstr(err.text, why))
                fprintf(stderr, "%s: %s\n", label, err.text);
            CHECK(strstr(err.text, "BIG.BIN") && strstr(err.text, why));
            free(buf);
            ds_cab_close(c);
        }
    }
    free(cab);
    free(data);
}

/* A valid one-frame cabinet, then its single CFDATA cut in half (the header
 * saying so): a truncated block; and the same with a window of 2^22. */
static void truncated_and_window(void)
{
    size_t n = 30000;
    uint8_t *data = make_data(n, 9, 5000);
    lzxcab_opts o = {.window_bits = 15, .kinds = "av"};
    lzxcab_member m = {"one.bin", data, n};
    size_t len;
    uint8_t *cab = lzxcab_write(&m, 1, &o, &len);
    CHECK(cab != NULL);
    if (!cab) {
        free(data);
        return;
    }
    ds_error err;
    uint8_t *buf = malloc(n);
    ds_cab *c = open_cab(cab, len);
    CHECK(c && ds_cab_read(c, 0, 0, buf, n, &err) == (int64_t)n && memcmp(buf, data, n) == 0);
    ds_cab_close(c);
    uint32_t at = (uint32_t)cab[36] | (uint32_t)cab[37] << 8; /* the CFDATA */
    uint32_t clen = (uint32_t)cab[at + 4] | (uint32_t)cab[at + 5] << 8;
    clen /= 2;
    cab[at + 4] = (uint8_t)clen, cab[at + 5] = (uint8_t)(clen >> 8);
    c = open_cab(cab, at + 8 + clen);
    CHECK(c != NULL);
    if (c) {
        CHECK(ds_cab_read(c, 0, 0, buf, n, &err) == -1);
        if (!strstr(err.text, "truncated"))
            fprintf(stderr, "truncated: %s\n", err.text);
        CHECK(strstr(err.text, "one.bin") && strstr(err.text, "truncated"));
        ds_cab_close(c);
    }
    cab[43] = 22; /* window bits */
    c = open_cab(cab, len);
    CHECK(c != NULL);
    if (c) {
        CHECK(ds_cab_read(c, 0, 0, buf, 10, &err) == -1);
        CHECK(strstr(err.text, "one.bin") && strstr(err.text, "2^22"));
        ds_cab_close(c);
    }
    free(buf);
    free(cab);
    free(data);
}

/* An odd uncompressed block that ends a frame: its pad byte may close that
 * frame's CFDATA or open the next one's (the stream is one byte sequence to
 * cabextract); both read the same. Made by hand: blocks "A" (1 byte, odd:
 * pad), 32767 bytes (ends frame 0, odd: pad), "yz" in frame 1. */
static void pad_placement(void)
{
    static const uint8_t r012[12] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
    size_t body = 32767, cap = 100 + body;
    uint8_t *st = malloc(cap), *want = malloc(body + 3);
    for (int where = 0; where < 2; where++) {
        size_t n = 0, cuts[2];
        /* E8 flag 0, type 3, size 1, padding to 16 bits */
        memcpy(st + n, "\x00\x30\x10\x00", 4), n += 4;
        memcpy(st + n, r012, 12), n += 12;
        st[n++] = 'A', st[n++] = 0; /* the byte and its pad */
        memcpy(st + n, "\x0F\x60\xE0\xFF", 4), n += 4; /* type 3, size 32767 */
        memcpy(st + n, r012, 12), n += 12;
        want[0] = 'A';
        for (size_t i = 0; i < body; i++)
            st[n++] = want[1 + i] = (uint8_t)(i * 7 + (i >> 9));
        if (where == 0)
            st[n++] = 0; /* the pad closes frame 0 */
        cuts[0] = n;
        if (where == 1)
            st[n++] = 0; /* the pad opens frame 1 */
        memcpy(st + n, "\x00\x60\x40\x00", 4), n += 4; /* type 3, size 2 */
        memcpy(st + n, r012, 12), n += 12;
        st[n++] = 'y', st[n++] = 'z';
        cuts[1] = n;
        memcpy(want + 1 + body, "yz", 2);
        size_t len;
        uint8_t *cab = lzxcab_frames("BIG.BIN", 15, st, cuts, 2, 2, &len);
        CHECK(cab != NULL);
        if (!cab)
            break;
        put_file("pad.cab", cab, len);
        CHECK(cabextract_same("pad.cab", want, body + 3, NULL) == 0);
        ds_cab *c = open_cab(cab, len);
        uint8_t *buf = malloc(body + 3);
        ds_error err;
        CHECK(c && ds_cab_read(c, 0, 0, buf, body + 3, &err) == (int64_t)(body + 3) &&
              memcmp(buf, want, body + 3) == 0);
        ds_cab_close(c);
        free(buf);
        free(cab);
    }
    free(st);
    free(want);
}

/* Three LZX folders in one cabinet, windows 2^16, 2^21 and 2^16 (the last
 * all uncompressed blocks): cabextract extracts the four members, and reads
 * that hop between members of different folders (the decoder changes window
 * size and resumes each folder from its start or a checkpoint) all match. */
static void folders(void)
{
    struct {
        const char *name;
        size_t n;
        int folder;
        uint8_t *data;
    } m[] = {{"a.bin", 400000, 0, NULL}, {"b.txt", 5000, 0, NULL},
             {"c.bin", 1600000, 1, NULL}, {"d.bin", 300001, 2, NULL}};
    enum { NM = sizeof m / sizeof *m };
    static const lzxcab_opts o[3] = {{.window_bits = 16, .kinds = "va"},
                                     {.window_bits = 21, .kinds = "av", .e8_size = 1u << 20},
                                     {.window_bits = 16, .kinds = "u", .block_size = 65537}};
    uint8_t *cabs[3] = {NULL};
    size_t lens[3] = {0}, len = 0;
    for (size_t i = 0; i < NM; i++)
        m[i].data = make_data(m[i].n, (uint32_t)(i + 11), 300000);
    for (int f = 0; f < 3; f++) {
        lzxcab_member mm[NM];
        size_t k = 0;
        for (size_t i = 0; i < NM; i++)
            if (m[i].folder == f)
                mm[k++] = (lzxcab_member){m[i].name, m[i].data, m[i].n};
        cabs[f] = lzxcab_write(mm, k, &o[f], &lens[f]);
        CHECK(cabs[f] != NULL);
    }
    uint8_t *cab = cabs[0] && cabs[1] && cabs[2] ? lzxcab_join(cabs, lens, 3, &len) : NULL;
    CHECK(cab != NULL);
    if (cab) {
        put_file("folders.cab", cab, len);
        char cmd[256];
        snprintf(cmd, sizeof cmd, "cd %s && rm -rf x && mkdir x && cabextract -q -d x folders.cab",
                 dir);
        CHECK(system(cmd) == 0);
        for (size_t i = 0; i < NM; i++) {
            char path[256];
            size_t n;
            snprintf(path, sizeof path, "%s/x/%s", dir, m[i].name);
            uint8_t *got = check_slurp(path, &n);
            CHECK(got && n == m[i].n && memcmp(got, m[i].data, n) == 0);
            free(got);
        }
        ds_cab *c = open_cab(cab, len);
        CHECK(c && ds_cab_count(c) == NM);
        uint8_t *buf = malloc(40000);
        uint32_t x = 5;
        bool same = true;
        for (int k = 0; c && k < 80; k++) {
            x = x * 1103515245u + 12345u;
            size_t i = (x >> 8) % NM;
            uint64_t off = (x >> 4) % m[i].n;
            size_t want = 1 + x % 40000;
            size_t exp = off + want > m[i].n ? m[i].n - off : want;
            ds_error err;
            int64_t got = ds_cab_read(c, i, off, buf, want, &err);
            if (got != (int64_t)exp || memcmp(buf, m[i].data + off, exp) != 0)
                same = false;
        }
        CHECK(same);
        CHECK(c && ds_cab_compression(c, 2) == DS_CAB_LZX);
        ds_cab_close(c);
        free(buf);
    }
    for (int f = 0; f < 3; f++)
        free(cabs[f]);
    for (size_t i = 0; i < NM; i++)
        free(m[i].data);
    free(cab);
}

/* The decoder alone: a frame larger than 32 KiB is refused, a copy of the
 * state continues exactly like the original. */
static void decoder_api(void)
{
    CHECK(ds_lzx_new(14) == NULL && ds_lzx_new(22) == NULL);
    ds_lzx *z = ds_lzx_new(15);
    CHECK(z != NULL);
    if (!z)
        return;
    uint8_t in[4] = {0}, out[8];
    CHECK(ds_lzx_frame(z, in, sizeof in, out, 0) != NULL);
    ds_lzx_reset(z);
    /* header bit 0, then block type 0: invalid */
    CHECK(ds_lzx_frame(z, in, sizeof in, out, sizeof out) != NULL);
    ds_lzx_free(z);
}

int main(void)
{
    decoder_api();
    if (system("cabextract --version >/dev/null 2>&1") != 0) {
        fprintf(stderr, "cabextract not installed: LZX cabinet tests skipped\n");
        printf("%d passed, %d failed\n", check_passed, check_failed);
        return check_failed ? 1 : 77;
    }
    snprintf(dir, sizeof dir, "/tmp/ds-lzx-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    struct {
        const char *label;
        lzxcab_opts o;
        size_t n, far;
    } cfg[] = {
        {"verbatim 2^15", {.window_bits = 15, .kinds = "v"}, 300000, 30000},
        {"aligned 2^16", {.window_bits = 16, .kinds = "a", .block_size = 70000}, 250000, 60000},
        {"uncompressed odd 2^17", {.window_bits = 17, .kinds = "u", .block_size = 50001}, 200001, 0},
        {"mixed E8 2^21", {.window_bits = 21, .kinds = "vau", .block_size = 45001, .e8_size = 12u << 20},
         400000, 350000},
        {"frame-sized blocks E8 2^18", {.window_bits = 18, .kinds = "avu", .block_size = 32768,
         .e8_size = 300000}, 262144, 200000},
        {"small odd blocks 2^15", {.window_bits = 15, .kinds = "uvua", .block_size = 7777}, 100000, 20000},
        /* 3 MiB: past the first checkpoints (every 32 blocks) */
        {"checkpoints 2^15", {.window_bits = 15, .kinds = "vvua", .block_size = 300000}, 3u << 20,
         30000},
        {"checkpoints 2^21", {.window_bits = 21, .kinds = "av", .block_size = 1u << 20}, 3u << 20,
         1500000},
    };
    for (size_t i = 0; i < sizeof cfg / sizeof *cfg; i++)
        roundtrip(cfg[i].label, &cfg[i].o, cfg[i].n, cfg[i].far);
    damaged("bad tree", LZXCAB_BAD_TREE, "bad main tree");
    damaged("far match", LZXCAB_FAR_MATCH, "before the start");
    damaged("bad block type", LZXCAB_BAD_BLOCKTYPE, "invalid block type");
    truncated_and_window();
    pad_placement();
    folders();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return check_report("test_lzx");
}
