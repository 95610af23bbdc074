/*
 * Image views: RVA reads in file layout (sections, raw-data tails read as
 * zeros, headers, gaps), the same image from a file and from dump memory,
 * hostile section tables, .pdata lookups that must not mistake a missing
 * page for a missing entry, ARM64 entry extents, and the export table.
 */
#include <unistd.h>

#include "check.h"
#include "pe_builder.h"

#define B 0x140000000ull

static uint8_t text[0x1000], data[0x100];

static pb_image layout(void)
{
    pb_image im;
    memset(&im, 0, sizeof im);
    im.machine = 0x8664;
    im.base = B;
    im.size_of_image = 0x6000;
    for (unsigned i = 0; i < sizeof text; i++)
        text[i] = (uint8_t)(i * 7 + 1);
    memset(data, 0xAB, sizeof data);
    im.sec[0] = (pb_section){".text", 0x1000, 0x1000, 0, 0, 0x60000020, text, sizeof text};
    im.sec[1] = (pb_section){".data", 0x2000, 0x2000, 0x200, 0, 0xC0000040, data, sizeof data};
    im.sec[2] = (pb_section){".bss", 0x5000, 0x1000, 0, 0, 0xC0000080, NULL, 0};
    im.nsec = 3;
    return im;
}

static void file_layout(void)
{
    pb_image L = layout();
    static uint8_t file[0x4000];
    size_t len = pb_write_file(&L, file, sizeof file);
    ds_error e;
    ds_image *im = ds_image_from_memory(file, len, B, &e);
    CHECK(im != NULL);
    if (!im)
        return;
    CHECK(ds_image_is_file(im));
    CHECK_EQ_U64(ds_image_base(im), B);
    CHECK_EQ_U64(ds_image_pe(im)->machine, 0x8664);
    uint8_t b[32];
    CHECK_EQ_U64(ds_image_read(im, 0, b, 2), 2);
    CHECK(b[0] == 'M' && b[1] == 'Z');
    CHECK_EQ_U64(ds_image_read(im, 0x3FF, b, 1), 1);
    CHECK_EQ_U64(ds_image_read(im, 0x400, b, 1), 0);  /* between headers and .text */
    CHECK_EQ_U64(ds_image_read(im, 0x1FF8, b, 16), 16); /* across two sections */
    CHECK_EQ_U64(b[0], text[0xFF8]);
    CHECK_EQ_U64(b[8], 0xAB);
    CHECK_EQ_U64(ds_image_read(im, 0x2100, b, 4), 4); /* raw padding */
    CHECK_EQ_U64(b[0] | b[3], 0);
    CHECK_EQ_U64(ds_image_read(im, 0x3000, b, 4), 4); /* VirtualSize past raw data */
    CHECK_EQ_U64(b[0] | b[3], 0);
    CHECK_EQ_U64(ds_image_read(im, 0x3FFC, b, 8), 4); /* ends at a gap */
    CHECK_EQ_U64(ds_image_read(im, 0x5000, b, 4), 4); /* no raw data at all */
    CHECK_EQ_U64(ds_image_read(im, 0x6000, b, 1), 0); /* SizeOfImage */
    CHECK_EQ_U64(ds_image_read(im, 0xFFFFFFFFu, b, 4), 0);
    CHECK(ds_image_is_code(im, 0x1000));
    CHECK(ds_image_is_code(im, 0x1FFF));
    CHECK(!ds_image_is_code(im, 0x2000));
    CHECK(!ds_image_is_code(im, 0x400));
    ds_runtime_function rf;
    CHECK(ds_image_function_lookup(im, 0x1000, &rf) == DS_IMAGE_ABSENT); /* no .pdata */
    char name[16];
    CHECK(!ds_image_export_lookup(im, 0x1000, name, sizeof name, NULL));

    /* the same bytes as a file */
    char path[] = "/tmp/ds-image-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write(fd, file, len) == (ssize_t)len);
        close(fd);
        ds_image *fi = ds_image_from_file(path, B, &e);
        CHECK(fi != NULL);
        if (fi) {
            uint8_t x[64], y[64];
            size_t bad = 0;
            for (uint32_t rva = 0; rva < 0x6100; rva += 0x3F) {
                size_t gx = ds_image_read(im, rva, x, sizeof x);
                size_t gy = ds_image_read(fi, rva, y, sizeof y);
                bad += gx != gy || memcmp(x, y, gx) != 0;
            }
            CHECK_EQ_U64(bad, 0);
            ds_image_close(fi);
        }
        unlink(path);
    }
    CHECK(ds_image_from_file("/nonexistent/x.sys", B, &e) == NULL);
    ds_image_close(im);

    /* not an image */
    CHECK(ds_image_from_memory(text, sizeof text, B, &e) == NULL);
    CHECK(ds_image_from_memory(NULL, 0, B, &e) == NULL);
    CHECK(ds_image_from_memory(file, 0x40, B, &e) == NULL);
}

/* Section tables and sizes from a stranger: nothing may read out of bounds. */
static void hostile(void)
{
    pb_image L = layout();
    static uint8_t file[0x4000];
    size_t len = pb_write_file(&L, file, sizeof file);
    uint8_t *nt = file + 0x80, *sh = nt + 0x18 + 0xF0;
    static const struct { uint32_t vsize, va, raw_len, raw_ptr; } evil[] = {
        {0x1000, 0x1000, 0x1000, 0xFFFFFF00u},   /* raw data past the file */
        {0x10000, 0xFFFFF000u, 0x10000, 0x400},  /* wraps the RVA space */
        {0, 0x1000, 0xFFFFFFFFu, 0x400},          /* raw size larger than the file */
        {0xFFFFFFFFu, 0, 0x200, 0x3F00},          /* covers everything */
    };
    for (size_t k = 0; k < sizeof evil / sizeof *evil; k++) {
        uint8_t *h = sh + 40 * (k % 3);
        pb_put32(h + 0x08, evil[k].vsize);
        pb_put32(h + 0x0C, evil[k].va);
        pb_put32(h + 0x10, evil[k].raw_len);
        pb_put32(h + 0x14, evil[k].raw_ptr);
        for (int big = 0; big < 2; big++) {
            pb_put16(nt + 6, big ? 0xFFFF : 3);          /* NumberOfSections */
            pb_put32(nt + 0x18 + 0x38, big ? 0xFFFFFFFFu : 0x6000); /* SizeOfImage */
            pb_put32(nt + 0x18 + 0x3C, big ? 0xFFFFFFFFu : 0x400);  /* SizeOfHeaders */
            /* an exception and export directory pointing anywhere */
            pb_put32(nt + 0x18 + 0x70 + 3 * 8, big ? 0xFFFFFFF0u : 0x1000);
            pb_put32(nt + 0x18 + 0x70 + 3 * 8 + 4, 0xFFFFFFFFu);
            pb_put32(nt + 0x18 + 0x70, big ? 0x3FF0 : 0x1000);
            pb_put32(nt + 0x18 + 0x70 + 4, 0xFFFFFFFFu);
            for (size_t cut = len; cut >= 0x100; cut /= 3) {
                ds_error e;
                ds_image *im = ds_image_from_memory(file, cut, B, &e);
                if (!im)
                    continue;
                uint8_t b[0x300];
                for (uint32_t rva = 0; rva < 0x8000; rva += 0x1F3)
                    ds_image_read(im, rva, b, sizeof b);
                ds_image_read(im, 0xFFFFFF00u, b, sizeof b);
                ds_image_is_code(im, 0xFFFFF800u);
                ds_runtime_function rf;
                uint32_t x, y;
                char name[8];
                for (uint32_t rva = 0; rva < 0x3000; rva += 0x101) {
                    ds_image_function_lookup(im, rva, &rf);
                    ds_image_arm64_lookup(im, rva, &x, &y);
                    ds_image_export_lookup(im, rva, name, sizeof name, &x);
                }
                ds_image_close(im);
            }
        }
    }
    CHECK(1); /* reaching here under ASan/UBSan is the test */
}

/* The mapped image in a memory view; the .pdata page may be missing. */
static void from_dump(void)
{
    tpe t;
    tpe_init(&t, 0x8664);
    static const uint8_t info[] = {1, 0, 1, 0, 0, 0x12, 0, 0}; /* ALLOC_SMALL 0x10 */
    tpe_pdata_x64(&t, 0x1000, 0x1020, tpe_rdata(&t, info, sizeof info));
    pb_image L = tpe_layout(&t, B);
    static uint8_t mapped[0x4000];
    pb_write_mapped(&L, mapped);
    ds_image *fm = tpe_open(&t, B);
    CHECK(fm != NULL);
    ds_module m = {.base = B, .size = 0x4000, .name = "t.sys", .path = ""};
    for (int missing = 0; missing < 2; missing++) {
        ds_memview mem;
        ds_mem_init(&mem, (ds_bytes){.data = mapped, .size = sizeof mapped});
        ds_mem_add_region(&mem, B, missing ? 0x3000 : 0x4000, 0);
        ds_mem_finish_regions(&mem);
        ds_image *im = ds_image_from_dump(&m, &mem);
        CHECK(im != NULL);
        if (!im) {
            ds_mem_free(&mem);
            continue;
        }
        CHECK(!ds_image_is_file(im));
        CHECK_EQ_U64(ds_image_size(im), 0x4000);
        uint8_t x[48], y[48];
        size_t bad = 0, compared = 0;
        for (uint32_t rva = 0; rva < 0x3000; rva += 0x2F) {
            size_t gx = ds_image_read(im, rva, x, sizeof x);
            size_t gy = ds_image_read(fm, rva, y, sizeof y);
            /* compare where the file view maps bytes: in memory the whole
             * header page is there, in a file only SizeOfHeaders */
            if (gy == sizeof y && rva + sizeof x <= 0x3000) {
                compared++;
                bad += gx != gy || memcmp(x, y, gx) != 0;
            }
        }
        CHECK(compared > 100);
        CHECK_EQ_U64(bad, 0);
        CHECK(ds_image_is_code(im, 0x1004));
        ds_runtime_function rf;
        ds_image_lookup lk = ds_image_function_lookup(im, 0x1004, &rf);
        ds_image_lookup lk2 = ds_image_function_lookup(im, 0x1800, &rf);
        if (missing) {
            CHECK(lk == DS_IMAGE_UNREADABLE);
            CHECK(lk2 == DS_IMAGE_UNREADABLE);
            CHECK(!ds_image_function_entry(im, 0x1004, &rf));
        } else {
            CHECK(lk == DS_IMAGE_FOUND);
            CHECK(lk2 == DS_IMAGE_ABSENT);
        }
        /* a walk there: with .pdata missing, no leaf is assumed; with .pdata
         * present the leaf rule applies, but the junk at [rsp] points into no
         * code, so it is not a return address either. Both: no invented frame. */
        tworld w;
        tw_init(&w, DS_ARCH_X64, 0x10000, 0x1000);
        tw_module(&w, B, 0x4000, im);
        tw_put64(&w, 0x10400, 0x4141414141414141ull);
        ds_context c = tw_context(DS_ARCH_X64, B + 0x1800, 0x10400, 0);
        ds_frame *f;
        size_t n;
        char *why;
        CHECK(ds_unwind_walk(&w.env, &c, &f, &n, &why) == 0);
        CHECK_EQ_U64(n, 1);
        if (missing)
            CHECK(why && strstr(why, ".pdata not readable"));
        free(f);
        free(why);
        tw_free(&w); /* closes im */
        ds_mem_free(&mem);
    }
    /* a module smaller than SizeOfImage bounds the reads */
    ds_memview mem;
    ds_mem_init(&mem, (ds_bytes){.data = mapped, .size = sizeof mapped});
    ds_mem_add_region(&mem, B, 0x4000, 0);
    ds_mem_finish_regions(&mem);
    m.size = 0x2000;
    ds_image *im = ds_image_from_dump(&m, &mem);
    uint8_t b[8];
    CHECK(im && ds_image_read(im, 0x1FFC, b, 8) == 4);
    ds_image_close(im);
    m.base = B + 0x1000; /* no PE header there */
    CHECK(ds_image_from_dump(&m, &mem) == NULL);
    ds_mem_free(&mem);
    ds_image_close(fm);
    tpe_free(&t);
}

static void arm64_entries(void)
{
    tpe t;
    tpe_init(&t, 0xAA64);
    uint8_t x[4];
    pb_put32(x, 8); /* .xdata: function length 8 instructions */
    uint32_t xr = tpe_rdata(&t, x, 4);
    tpe_pdata_arm64(&t, 0x1000, 1 | 4u << 2); /* packed, 4 instructions */
    tpe_pdata_arm64(&t, 0x1100, xr);
    tpe_pdata_arm64(&t, 0x1200, 0x7000);      /* .xdata unreadable */
    ds_image *im = tpe_open(&t, B);
    CHECK(im != NULL);
    uint32_t b, d;
    CHECK(ds_image_arm64_lookup(im, 0x0FFC, &b, &d) == DS_IMAGE_ABSENT);
    CHECK(ds_image_arm64_lookup(im, 0x100C, &b, &d) == DS_IMAGE_FOUND);
    CHECK_EQ_U64(b, 0x1000);
    CHECK(ds_image_arm64_lookup(im, 0x1010, &b, &d) == DS_IMAGE_ABSENT);
    CHECK(ds_image_arm64_entry(im, 0x111C, &b, &d));
    CHECK_EQ_U64(d, xr);
    CHECK(ds_image_arm64_lookup(im, 0x1120, &b, &d) == DS_IMAGE_ABSENT);
    /* extent unknown: the entry is still the candidate */
    CHECK(ds_image_arm64_lookup(im, 0x1300, &b, &d) == DS_IMAGE_FOUND);
    CHECK_EQ_U64(b, 0x1200);
    ds_image_close(im);
    tpe_free(&t);
}

static void exports(void)
{
    tpe t;
    tpe_init(&t, 0x8664);
    /* export directory at 0x2100, 0x200 bytes (strings inside it too) */
    uint8_t *ex = t.rdata + 0x100;
    uint32_t dir = 0x2100;
    static const char *const names[] = {"Alpha", "Beta", "BetaAlias", "Fwd", "Gamma", "Zero",
                                        "Zzz"};
    static const uint16_t ords[] = {0, 1, 1, 2, 3, 4, 9};
    static const uint32_t funcs[] = {0x1010, 0x1050, 0x2180 /* forwarder */, 0x1030, 0};
    pb_put32(ex + 0x10, 1);
    pb_put32(ex + 0x14, 5);
    pb_put32(ex + 0x18, 7);
    pb_put32(ex + 0x1C, dir + 0x28);
    pb_put32(ex + 0x20, dir + 0x40);
    pb_put32(ex + 0x24, dir + 0x60);
    for (int i = 0; i < 5; i++)
        pb_put32(ex + 0x28 + 4 * i, funcs[i]);
    uint32_t so = 0xA0;
    for (int i = 0; i < 7; i++) {
        pb_put32(ex + 0x40 + 4 * i, dir + so);
        pb_put16(ex + 0x60 + 2 * i, ords[i]);
        memcpy(ex + so, names[i], strlen(names[i]) + 1);
        so += (uint32_t)strlen(names[i]) + 1;
    }
    memcpy(ex + 0x80, "NTDLL.Foo", 10); /* the forwarder string at 0x2180 */
    t.rdata_len = 0x300;
    t.export_rva = dir;
    t.export_size = 0x200;
    ds_image *im = tpe_open(&t, B);
    CHECK(im != NULL);
    char name[32];
    uint32_t at = 0;
    CHECK(!ds_image_export_lookup(im, 0x1000, name, sizeof name, &at));
    CHECK(ds_image_export_lookup(im, 0x1010, name, sizeof name, &at));
    CHECK_STR(name, "Alpha");
    CHECK_EQ_U64(at, 0x1010);
    CHECK(ds_image_export_lookup(im, 0x102F, name, sizeof name, &at));
    CHECK_STR(name, "Alpha");
    CHECK(ds_image_export_lookup(im, 0x1030, name, sizeof name, &at));
    CHECK_STR(name, "Gamma");
    CHECK(ds_image_export_lookup(im, 0x1060, name, sizeof name, &at));
    CHECK_STR(name, "Beta"); /* of two aliases, the first in name order */
    CHECK(ds_image_export_lookup(im, 0x2190, name, sizeof name, &at));
    CHECK_STR(name, "Beta"); /* the forwarder is not code */
    CHECK_EQ_U64(at, 0x1050);
    CHECK(ds_image_export_lookup(im, 0x1010, name, 3, &at));
    CHECK_STR(name, "Al"); /* truncated to the buffer */
    ds_image_close(im);

    /* NumberOfNames from a stranger: bounded; a name RVA outside the image */
    pb_put32(ex + 0x18, 0x7FFFFFFF);
    pb_put32(ex + 0x40, 0x00FFFFFF); /* "Alpha" now unreadable */
    im = tpe_open(&t, B);
    CHECK(im != NULL);
    CHECK(!ds_image_export_lookup(im, 0x1020, name, sizeof name, &at));
    CHECK(ds_image_export_lookup(im, 0x1040, name, sizeof name, &at));
    CHECK_STR(name, "Gamma");
    ds_image_close(im);
    tpe_free(&t);
}

int main(void)
{
    file_layout();
    hostile();
    from_dump();
    arm64_entries();
    exports();
    return check_report("test_image");
}
