/*
 * The PDB reader over PDBs written by tests/pdbgen.h: every lookup path on
 * a well-formed file (procedures, separated code, thunks, publics, OMAP,
 * FPO and FrameData with its /names program), then damage: broken MSF
 * superblocks and directories, shared or out-of-range blocks, bad records
 * and substream sizes, every truncation, and random byte flips. Damage must
 * give an error or no answer, never a crash (ASan/UBSan run these).
 */
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/stacks.h"
#include "check.h"
#include "model/model.h"
#include "pdbgen.h"
#include "symbols/pdb.h"

static const pdb_spec base_spec = {
    .guid = {0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE, 1, 2, 3, 4, 5, 6, 7, 8},
    .info_age = 5,
    .dbi_age = 2,
};

static ds_pdb *open_spec(const pdb_spec *spec, uint8_t **buf, size_t *len)
{
    *buf = pdbgen_build(spec, len);
    ds_error err = {0};
    return ds_pdb_open_memory(*buf, *len, &err);
}

static bool look(ds_pdb *p, uint32_t rva, const char *name, uint32_t start, bool fn)
{
    ds_pdb_symbol s;
    if (!ds_pdb_lookup(p, rva, &s)) {
        fprintf(stderr, "  lookup %x: nothing (want %s)\n", rva, name);
        return false;
    }
    if (strcmp(s.name, name) != 0 || s.rva != start || s.is_function != fn) {
        fprintf(stderr, "  lookup %x: %s at %x fn %d (want %s at %x fn %d)\n", rva, s.name,
                s.rva, s.is_function, name, start, fn);
        return false;
    }
    return true;
}

/* Every query the API offers, over a range of addresses: for damaged files,
 * where only "no crash, no hang" is asserted. */
static void exercise(ds_pdb *p)
{
    uint8_t g[16];
    uint32_t age;
    ds_pdb_identity(p, g, &age);
    (void)ds_pdb_info_age(p);
    (void)ds_pdb_machine(p);
    for (uint32_t rva = 0; rva < 0x6000; rva += 0x1D) {
        ds_pdb_symbol s;
        if (ds_pdb_lookup(p, rva, &s))
            CHECK(strlen(s.name) < sizeof s.name);
        ds_pdb_fpo f;
        if (ds_pdb_fpo_lookup(p, rva, &f) && f.program)
            CHECK(strlen(f.program) < 1024);
        ds_srcloc loc;
        if (ds_pdb_source(p, rva + (rva & 7), &loc))
            CHECK(loc.n >= 1 && loc.n <= DS_SRCLOC_MAX + 1);
    }
    ds_pdb_symbol s;
    (void)ds_pdb_lookup(p, 0xFFFFFFFFu, &s);
}

/* Source position at rva: n entries, innermost first, each "function
 * file line" ("" function for the physical one). */
static bool src(ds_pdb *p, uint32_t rva, size_t n, const char *const *want)
{
    ds_srcloc loc;
    if (!ds_pdb_source(p, rva, &loc)) {
        fprintf(stderr, "  source %x: nothing\n", rva);
        return false;
    }
    bool ok = loc.n == n;
    for (size_t i = 0; ok && i < n; i++) {
        char got[800];
        snprintf(got, sizeof got, "%s %s %u", loc.pos[i].function, loc.pos[i].file,
                 loc.pos[i].line);
        ok = strcmp(got, want[i]) == 0;
    }
    if (!ok)
        for (size_t i = 0; i < loc.n; i++)
            fprintf(stderr, "  source %x [%zu]: %s %s %u\n", rva, i, loc.pos[i].function,
                    loc.pos[i].file, loc.pos[i].line);
    return ok;
}

/* C13 lines and inline sites of pdbgen's module 0 (see tests/pdbgen.h). */
static void test_lines(void)
{
    uint8_t *buf;
    size_t len;
    ds_pdb *p = open_spec(&base_spec, &buf, &len);
    CHECK(p != NULL);
    if (!p) {
        free(buf);
        return;
    }
    static const char *const two_inlines[] = {"inl_inner c:\\src\\inl.h 205",
                                              "inl_outer c:\\src\\inl.h 102",
                                              " c:\\src\\one.c 11"};
    static const char *const one_inline[] = {"inl_outer c:\\src\\inl.h 101",
                                             " c:\\src\\one.c 11"};
    static const char *const l10[] = {" c:\\src\\one.c 10"}, *const l12[] = {" c:\\src\\one.c 12"};
    static const char *const l13[] = {" c:\\src\\one.c 13"}, *const l20[] = {" c:\\src\\one.c 20"};
    static const char *const l21[] = {" c:\\src\\one.c 21"};
    CHECK(src(p, 0x1020, 1, l10));
    CHECK(src(p, 0x1027, 1, l10));
    CHECK(src(p, 0x1028, 2, one_inline));
    CHECK(src(p, 0x102B, 2, one_inline));
    CHECK(src(p, 0x102C, 3, two_inlines));
    CHECK(src(p, 0x102F, 3, two_inlines));
    static const char *const after_inner[] = {"inl_outer c:\\src\\inl.h 102",
                                              " c:\\src\\one.c 11"};
    CHECK(src(p, 0x1030, 2, after_inner));
    CHECK(src(p, 0x1033, 2, after_inner));
    CHECK(src(p, 0x1034, 1, l12)); /* inl_outer's last range ends at 0x34 */
    CHECK(src(p, 0x104F, 1, l13));
    CHECK(src(p, 0x1060, 1, l20));
    CHECK(src(p, 0x1075, 1, l21));
    ds_srcloc loc;
    CHECK(!ds_pdb_source(p, 0x1050, &loc)); /* after func_one's contribution */
    CHECK(!ds_pdb_source(p, 0x1080, &loc));
    CHECK(!ds_pdb_source(p, 0x1010, &loc)); /* before any row */
    CHECK(!ds_pdb_source(p, 0x1150, &loc)); /* module 1: no lines */
    CHECK(!ds_pdb_source(p, 0x9000, &loc)); /* no section */
    ds_pdb_close(p);
    free(buf);
}

/* Through the stacks stage: a minidump-like model whose module's PDB is on
 * the symbol path; frame 0 at 0x102D carries both inline frames and the
 * physical line, and the text report prints them. */
static void test_lines_pipeline(void)
{
    char dir[] = "/tmp/ds_pdb_lines_XXXXXX", path[512], id[80];
    CHECK(mkdtemp(dir) != NULL);
    ds_codeview cv = {.is_pdb70 = true, .age = 2};
    memcpy(cv.guid, base_spec.guid, 16);
    snprintf(cv.pdb_name, sizeof cv.pdb_name, "c:\\build\\mod.pdb");
    ds_codeview_id(&cv, true, id, sizeof id);
    snprintf(path, sizeof path, "%s/mod.pdb", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/mod.pdb/%s", dir, id);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/mod.pdb/%s/mod.pdb", dir, id);
    size_t len;
    uint8_t *pdb = pdbgen_build(&base_spec, &len);
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(pdb, 1, len, f) == len);
    if (f)
        fclose(f);
    free(pdb);

    uint8_t stack[64] = {0};
    ds_memview m;
    ds_mem_init(&m, (ds_bytes){.data = stack, .size = sizeof stack});
    ds_mem_add_region(&m, 0x7000, sizeof stack, 0);
    ds_mem_finish_regions(&m);
    ds_crash *c = calloc(1, sizeof *c);
    c->format = DS_FORMAT_MINIDUMP;
    c->has_mdmp = true;
    c->arch = DS_ARCH_X64;
    ds_module *mod = ds_module_add(c, false);
    ds_str_set(&mod->name, strdup("mod.dll"));
    ds_str_set(&mod->path, strdup("c:\\app\\mod.dll"));
    mod->base = 0x10000000;
    mod->size = 0x6000;
    mod->cv = cv;
    mod->has_cv = true;
    mod->flags = DS_MOD_FROM_MINIDUMP;
    c->has_context = true;
    c->context.arch = DS_ARCH_X64;
    c->context.pc = c->context.regs[16] = 0x1000102D;
    c->context.sp = c->context.regs[4] = 0x7000;
    c->context.valid = 0x3FFFF;
    ds_open_options opt = {DS_OPEN_OPTIONS_INIT, .symbol_path = dir};
    CHECK(ds_analysis_stacks(c, &m, &opt) == 0);
    const ds_frame *fr = c->nstacks ? c->stacks[0].frames : NULL;
    CHECK(fr && c->stacks[0].nframes >= 1);
    if (fr && c->stacks[0].nframes >= 1) {
        CHECK_STR(fr->function, "func_one");
        CHECK_STR(fr->source_file, "c:\\src\\one.c");
        CHECK_KNOWN(fr->source_line, 11);
        CHECK_EQ_U64(fr->ninlines, 2);
        if (fr->ninlines == 2) {
            CHECK_STR(fr->inlines[0].function, "inl_inner");
            CHECK_KNOWN(fr->inlines[0].source_line, 205);
            CHECK_STR(fr->inlines[1].function, "inl_outer");
            CHECK_STR(fr->inlines[1].source_file, "c:\\src\\inl.h");
            CHECK_KNOWN(fr->inlines[1].source_line, 102);
        }
    }
    ds_crash_free(c);
    free(c);
    ds_mem_free(&m);
    unlink(path);
    snprintf(path, sizeof path, "%s/mod.pdb/%s", dir, id);
    rmdir(path);
    snprintf(path, sizeof path, "%s/mod.pdb", dir);
    rmdir(path);
    rmdir(dir);
}

static void test_good(void)
{
    uint8_t *buf;
    size_t len;
    ds_pdb *p = open_spec(&base_spec, &buf, &len);
    CHECK(p != NULL);
    if (!p) {
        free(buf);
        return;
    }
    uint8_t g[16];
    uint32_t age = 0;
    ds_pdb_identity(p, g, &age);
    CHECK(memcmp(g, base_spec.guid, 16) == 0);
    CHECK_EQ_U64(age, 2); /* the DBI age: what the image's RSDS names */
    CHECK_EQ_U64(ds_pdb_info_age(p), 5);
    CHECK(ds_pdb_has_guid(p));
    CHECK_EQ_U64(ds_pdb_machine(p), 0x14C);

    CHECK(look(p, 0x1020, "func_one", 0x1020, true));
    CHECK(look(p, 0x104F, "func_one", 0x1020, true));
    CHECK(look(p, 0x1060, "func_two", 0x1060, true));
    CHECK(look(p, 0x107F, "func_two", 0x1060, true));
    CHECK(look(p, 0x10A5, "func_id", 0x10A0, true));
    CHECK(look(p, 0x10C5, "func_one", 0x10C0, true)); /* separated piece */
    CHECK(look(p, 0x10E7, "thunk_one", 0x10E0, true));
    ds_pdb_symbol s;
    CHECK(ds_pdb_lookup(p, 0x1020, &s) && s.length == 0x30);
    /* not in a procedure: the nearest public at or below */
    CHECK(look(p, 0x1050, "pub_d", 0x1020, false));
    CHECK(look(p, 0x1015, "pub_a", 0x1010, false));
    CHECK(look(p, 0x1185, "pub_b", 0x1180, false)); /* module without symbols */
    CHECK(look(p, 0x1FFF, "pub_b", 0x1180, false));
    CHECK(look(p, 0x3100, "pub_c", 0x3000, false));
    /* outside every section, or before the first public of a section */
    CHECK(!ds_pdb_lookup(p, 0x0FFF, &s));
    CHECK(!ds_pdb_lookup(p, 0x1005, &s));
    CHECK(!ds_pdb_lookup(p, 0x2000, &s));
    CHECK(!ds_pdb_lookup(p, 0x3200, &s));
    CHECK(!ds_pdb_lookup(p, 0xFFFFFFFFu, &s));
    /* cached module: same answers the second time */
    CHECK(look(p, 0x1020, "func_one", 0x1020, true));

    ds_pdb_fpo f;
    CHECK(ds_pdb_fpo_lookup(p, 0x1030, &f)); /* FrameData wins */
    CHECK_EQ_U64(f.rva_start, 0x1020);
    CHECK_EQ_U64(f.code_size, 0x30);
    CHECK_EQ_U64(f.locals_size, 8);
    CHECK_EQ_U64(f.params_size, 12);
    CHECK_EQ_U64(f.prolog_size, 4);
    CHECK_EQ_U64(f.saved_regs_size, 8);
    CHECK_STR(f.program, pdbgen_program);
    CHECK(ds_pdb_fpo_lookup(p, 0x1004, &f)); /* FPO_DATA */
    CHECK_EQ_U64(f.rva_start, 0x1000);
    CHECK_EQ_U64(f.code_size, 0x10);
    CHECK_EQ_U64(f.locals_size, 8);
    CHECK_EQ_U64(f.params_size, 12);
    CHECK_EQ_U64(f.prolog_size, 5);
    CHECK_EQ_U64(f.saved_regs_size, 8);
    CHECK(f.uses_bp);
    CHECK(f.program == NULL);
    CHECK(ds_pdb_fpo_lookup(p, 0x111F, &f) && f.rva_start == 0x1100 && !f.uses_bp);
    CHECK(!ds_pdb_fpo_lookup(p, 0x1010, &f));
    CHECK(!ds_pdb_fpo_lookup(p, 0x1120, &f));
    CHECK(!ds_pdb_fpo_lookup(p, 0x0FFF, &f));
    ds_pdb_close(p);
    free(buf);

    /* other block sizes give the same answers */
    uint32_t sizes[] = {1024, 4096};
    for (int i = 0; i < 2; i++) {
        pdb_spec sp = base_spec;
        sp.bs = sizes[i];
        p = open_spec(&sp, &buf, &len);
        CHECK(p && look(p, 0x10A5, "func_id", 0x10A0, true));
        CHECK(p && look(p, 0x3100, "pub_c", 0x3000, false));
        ds_pdb_close(p);
        free(buf);
    }
}

static void test_omap(void)
{
    pdb_spec sp = base_spec;
    sp.omap = true;
    uint8_t *buf;
    size_t len;
    ds_pdb *p = open_spec(&sp, &buf, &len);
    CHECK(p != NULL);
    if (p) {
        ds_pdb_symbol s;
        CHECK(look(p, 0x5025, "func_one", 0x5020, true));
        CHECK(look(p, 0x5065, "func_two", 0x5060, true));
        CHECK(look(p, 0x5190, "pub_b", 0x5180, false));
        CHECK(look(p, 0x5405, "func_two", 0x5400, true)); /* moved block */
        CHECK(look(p, 0x3100, "pub_c", 0x3000, false));
        CHECK(!ds_pdb_lookup(p, 0x1025, &s)); /* original address: not in the image */
        CHECK(!ds_pdb_lookup(p, 0x5205, &s)); /* OMAP says: no counterpart */
    }
    ds_pdb_close(p);
    free(buf);
}

/* Content damage, one knob at a time: expected answers where the damage
 * leaves them defined. */
static void test_damage(void)
{
    for (int d = PG_REC_ZERO_LEN; d <= PG_LAST; d++) {
        pdb_spec sp = base_spec;
        sp.damage = d;
        uint8_t *buf;
        size_t len;
        ds_pdb *p = open_spec(&sp, &buf, &len);
        CHECK(p != NULL); /* the info stream is intact in every case */
        if (!p) {
            fprintf(stderr, "  damage %d: open failed\n", d);
            free(buf);
            continue;
        }
        exercise(p);
        ds_pdb_symbol s;
        ds_pdb_fpo f;
        switch (d) {
        case PG_REC_ZERO_LEN: /* records before the bad one still count */
            CHECK(look(p, 0x1020, "func_one", 0x1020, true));
            CHECK(look(p, 0x1060, "func_two", 0x1060, true));
            CHECK(look(p, 0x10A5, "pub_d", 0x1020, false));
            break;
        case PG_REC_OVERRUN:
            CHECK(look(p, 0x10E7, "thunk_one", 0x10E0, true));
            break;
        case PG_DBI_NEG_SIZE:
        case PG_DBI_HUGE_MODI:
        case PG_NO_DBI:
            CHECK(!ds_pdb_lookup(p, 0x1020, &s));
            CHECK(!ds_pdb_fpo_lookup(p, 0x1030, &f));
            break;
        case PG_PSI_HUGE_MAP:
            CHECK(look(p, 0x1020, "func_one", 0x1020, true));
            CHECK(!ds_pdb_lookup(p, 0x1185, &s));
            break;
        case PG_NO_SECTIONS:
            CHECK(!ds_pdb_lookup(p, 0x1020, &s));
            CHECK(ds_pdb_fpo_lookup(p, 0x1030, &f)); /* FPO is keyed by RVA */
            break;
        case PG_PUB_NO_NUL:
            CHECK(look(p, 0x3100, "pub_c", 0x3000, false));
            break;
        case PG_SYMBYTES_HUGE:
            CHECK(look(p, 0x10A5, "func_id", 0x10A0, true));
            break;
        case PG_FRAMEFUNC_BAD:
            CHECK(ds_pdb_fpo_lookup(p, 0x1030, &f) && f.program == NULL);
            break;
        case PG_SC_BAD_VERSION:
        case PG_MOD_STREAM_OOR:
            CHECK(look(p, 0x1020, "pub_d", 0x1020, false));
            break;
        case PG_PUB_UNSORTED: /* wrong answers allowed, but bounded ones */
            if (ds_pdb_lookup(p, 0x1185, &s))
                CHECK(s.rva <= 0x1185);
            break;
        case PG_C13_HUGE: { /* no lines, names still */
            ds_srcloc loc;
            CHECK(!ds_pdb_source(p, 0x102C, &loc));
            CHECK(look(p, 0x102C, "func_one", 0x1020, true));
            break;
        }
        case PG_LINES_BLOCK_HUGE: { /* func_one's block is refused, func_two's kept */
            static const char *const l20[] = {" c:\\src\\one.c 20"};
            ds_srcloc loc;
            CHECK(!ds_pdb_source(p, 0x1024, &loc)); /* only the end row: no line */
            CHECK(src(p, 0x1060, 1, l20));
            break;
        }
        case PG_ANNOT_BAD: { /* inl_outer's range is unreadable: only inl_inner */
            static const char *const w[] = {"inl_inner c:\\src\\inl.h 205",
                                            " c:\\src\\one.c 11"};
            CHECK(src(p, 0x102D, 2, w));
            break;
        }
        case PG_CHK_BAD: { /* lines without a file name; inline files still known */
            static const char *const w[] = {"inl_outer c:\\src\\inl.h 101", "  11"};
            static const char *const l12[] = {"  12"};
            CHECK(src(p, 0x1029, 2, w));
            CHECK(src(p, 0x1035, 1, l12));
            break;
        }
        case PG_IPI_NIL: { /* inline frames stay, unnamed */
            static const char *const w[] = {" c:\\src\\inl.h 205", /* "": unnamed */
                                            " c:\\src\\inl.h 102",
                                            " c:\\src\\one.c 11"};
            CHECK(src(p, 0x102D, 3, w));
            break;
        }
        case PG_SEPCODE_BAD_PARENT:
            CHECK(look(p, 0x10C5, "pub_d", 0x1020, false));
            CHECK(look(p, 0x1020, "func_one", 0x1020, true));
            break;
        }
        ds_pdb_close(p);
        free(buf);
    }
}

/* MSF damage on the written bytes. */
static ds_pdb *reopen(const uint8_t *f, size_t len)
{
    ds_error err = {0};
    ds_pdb *p = ds_pdb_open_memory(f, len, &err);
    if (!p)
        CHECK(err.text[0] != '\0');
    return p;
}

static void test_msf(void)
{
    size_t len;
    uint8_t *good = pdbgen_build(&base_spec, &len);
    uint8_t *f = malloc(len);
    size_t dir = pdbgen_dir(good);
    uint32_t nstreams = pdbgen_rd32(good + dir);
    /* offset of stream i's block list in the directory */
    size_t lists[PDBGEN_MAX_STREAMS];
    size_t at = dir + 4 + 4 * (size_t)nstreams;
    for (uint32_t i = 0; i < nstreams; i++) {
        lists[i] = at;
        uint32_t sz = pdbgen_rd32(good + dir + 4 + 4 * i);
        if (sz != PDBGEN_NIL)
            at += 4 * ((sz + 511) / 512);
    }

    struct {
        const char *what;
        size_t off;
        uint32_t val;
        bool opens;
    } pokes[] = {
        {"block size 0", 32, 0, false},
        {"block size 3", 32, 3, false},
        {"block size 1M", 32, 1u << 20, false},
        {"no blocks", 40, 0, false},
        {"directory size 0", 44, 0, false},
        {"directory size huge", 44, 0xFFFFFFFFu, false},
        {"block map past the end", 52, 100000, false},
        {"directory block out of range", 0, 0, false}, /* filled below */
        {"stream count huge", dir, 0x3FFFFFFF, false},
        {"stream count past the directory", dir, 200, false},
        {"info stream block out of range", lists[1], 99999, false},
        {"info stream shares the superblock", lists[1], 0, false},
        {"module stream block out of range", lists[10], 99999, true},
        {"module stream shares the info block", lists[10], 0, true}, /* filled below */
        {"module stream size huge", dir + 4 + 4 * 10, 0xFFFFFFF0u, true},
        {"DBI stream size huge", dir + 4 + 4 * 3, 0x7FFFFFFFu, true},
        {"info stream nil", dir + 4 + 4 * 1, PDBGEN_NIL, false},
    };
    uint32_t map = pdbgen_rd32(good + 52);
    pokes[7].off = (size_t)map * 512;
    pokes[7].val = 0xFFFF;
    pokes[13].val = pdbgen_rd32(good + lists[1]);
    for (size_t i = 0; i < sizeof pokes / sizeof pokes[0]; i++) {
        memcpy(f, good, len);
        pdbgen_wr32(f + pokes[i].off, pokes[i].val);
        ds_pdb *p = reopen(f, len);
        if ((p != NULL) != pokes[i].opens)
            fprintf(stderr, "  %s: opened %d\n", pokes[i].what, p != NULL);
        CHECK((p != NULL) == pokes[i].opens);
        if (p) {
            exercise(p);
            ds_pdb_symbol s;
            /* the module stream is unusable: publics still answer */
            if (i == 12 || i == 13)
                CHECK(look(p, 0x1020, "pub_d", 0x1020, false));
            if (i == 14) { /* block lists from stream 10 on are lost (they
                            * follow its list): no sections, no FPO */
                ds_pdb_fpo fp;
                CHECK(!ds_pdb_lookup(p, 0x1020, &s));
                CHECK(!ds_pdb_fpo_lookup(p, 0x1030, &fp));
            }
            if (i == 15)
                CHECK(!ds_pdb_lookup(p, 0x1020, &s));
        }
        ds_pdb_close(p);
    }

    /* every truncation */
    for (size_t n = 0; n <= len; n += (n < 64 ? 1 : 7)) {
        ds_pdb *p = reopen(good, n);
        if (p)
            exercise(p);
        ds_pdb_close(p);
    }
    /* random byte damage (deterministic) */
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int iter = 0; iter < 1500; iter++) {
        memcpy(f, good, len);
        int flips = 1 + iter % 4;
        for (int k = 0; k < flips; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t pos = (size_t)(x % len);
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            f[pos] = iter & 1 ? (uint8_t)x : (uint8_t)(f[pos] ^ (1u << (x % 8)));
        }
        ds_pdb *p = reopen(f, len);
        if (p)
            exercise(p);
        ds_pdb_close(p);
    }
    free(f);
    free(good);
}

static void test_file_api(void)
{
    ds_error err = {0};
    CHECK(ds_pdb_open("/nonexistent/x.pdb", &err) == NULL && err.text[0]);
    err.text[0] = '\0';
    CHECK(ds_pdb_open("/dev/null", &err) == NULL && err.text[0]);
    CHECK(ds_pdb_open_memory(NULL, 0, &err) == NULL);
    char dir[] = "/tmp/dspdb-XXXXXX";
    if (!mkdtemp(dir))
        return;
    char path[64];
    snprintf(path, sizeof path, "%s/t.pdb", dir);
    size_t len;
    uint8_t *b = pdbgen_build(&base_spec, &len);
    FILE *fp = fopen(path, "wb");
    CHECK(fp && fwrite(b, 1, len, fp) == len);
    if (fp)
        fclose(fp);
    ds_pdb *p = ds_pdb_open(path, &err);
    CHECK(p && look(p, 0x1065, "func_two", 0x1060, true));
    ds_pdb_close(p);
    /* A PDB cut while in use: lookups may fail, but nothing is mapped, so
     * reading what is gone is never a SIGBUS. */
    p = ds_pdb_open(path, &err);
    CHECK(p != NULL && truncate(path, 0) == 0);
    ds_pdb_symbol sym;
    if (p)
        (void)ds_pdb_lookup(p, 0x1065, &sym);
    ds_pdb_close(p);
    free(b);
    remove(path);
    rmdir(dir);
}

int main(void)
{
    test_good();
    test_lines();
    test_lines_pipeline();
    test_omap();
    test_damage();
    test_msf();
    test_file_api();
    return check_report("test_pdb_synthetic");
}
