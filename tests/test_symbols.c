/*
 * Symbol path parsing and symbol-store lookups over stores built in a
 * temporary folder: store layout with either hex case, two-tier stores,
 * file.ptr redirects, flat folders, identity mismatches (and FOUND in a
 * later entry winning over them), PDBs by GUID/age, Breakpad .sym files,
 * and names from a dump that must never become paths. The shared corpus
 * store is checked too when it is present.
 */
#include <ftw.h>
#include <unistd.h>

#include "check.h"
#include "pdbgen.h"
#include "symbols/store.h"

static char root[64];

static void mkdirs(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    mkdir(path, 0755);
}

static void write_file(const char *rel, const void *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", rel);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        mkdirs(dir);
    }
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fwrite(data, 1, len, f) == len);
        fclose(f);
    }
}

static void write_text(const char *rel, const char *text)
{
    write_file(rel, text, strlen(text));
}

/* Smallest PE32+ header ds_pe_parse accepts, with the two identity fields. */
static void write_pe(const char *rel, uint32_t stamp, uint32_t size)
{
    uint8_t b[1024] = {0};
    b[0] = 'M', b[1] = 'Z';
    pdbgen_wr32(b + 0x3C, 0x80);
    memcpy(b + 0x80, "PE\0\0", 4);
    b[0x84] = 0x64, b[0x85] = 0x86;      /* AMD64 */
    pdbgen_wr32(b + 0x88, stamp);
    b[0x94] = 0xF0;                      /* SizeOfOptionalHeader */
    b[0x98] = 0x0B, b[0x99] = 0x02;      /* PE32+ */
    pdbgen_wr32(b + 0x98 + 0x38, size);
    pdbgen_wr32(b + 0x98 + 0x3C, 0x400); /* SizeOfHeaders */
    write_file(rel, b, sizeof b);
}

static const char *at(const char *rel)
{
    static char buf[16][1024];
    static int k;
    k = (k + 1) % 16;
    snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
    return buf[k];
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

/* ------------------------------------------------------------- tests */

static void test_names(void)
{
    const char *bad[] = {"",        ".",         "..",       "../x",        "..\\..\\x",
                         "a/b",     "a\\b",      "C:x",      "\\SystemRoot\\system32\\x.sys",
                         "a\nb",    "a\tb",      "x\x7f",    "/etc/passwd", "c:\\x.pdb"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(!ds_symstore_name_ok(bad[i]));
    }
    CHECK(!ds_symstore_name_ok(NULL));
    char longname[300];
    memset(longname, 'a', 256);
    longname[256] = '\0';
    CHECK(!ds_symstore_name_ok(longname));
    longname[255] = '\0';
    CHECK(ds_symstore_name_ok(longname));
    const char *good[] = {"ntoskrnl.exe", "amdppm.pdb", "a b.sys", "..x", "x..", "Wdf01000.sys"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(ds_symstore_name_ok(good[i]));

    CHECK_STR(ds_symstore_base_name("\\SystemRoot\\system32\\drivers\\x.sys"), "x.sys");
    CHECK_STR(ds_symstore_base_name("C:\\build\\mydrv\\x64\\Release\\mydrv.pdb"), "mydrv.pdb");
    CHECK_STR(ds_symstore_base_name("C:mydrv.pdb"), "mydrv.pdb");
    CHECK_STR(ds_symstore_base_name("/usr/lib/libc.so.6"), "libc.so.6");
    CHECK_STR(ds_symstore_base_name("plain.dll"), "plain.dll");
    CHECK_STR(ds_symstore_base_name("..\\..\\"), "");
    CHECK(!ds_symstore_name_ok(ds_symstore_base_name("a\\..")));
    CHECK_STR(ds_symstore_base_name(NULL), "");

    /* refused names never reach the file system, whatever the store */
    ds_symstore *s = ds_symstore_open(at("A"), true);
    ds_store_result r;
    uint8_t guid[16] = {0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&r, 0x55, sizeof r);
        CHECK(ds_symstore_find_image(s, bad[i], 1, 2, &r) == DS_STORE_BAD_NAME);
        CHECK(r.status == DS_STORE_BAD_NAME && r.path[0] == '\0');
        CHECK(ds_symstore_find_pdb(s, bad[i], guid, 1, &r) == DS_STORE_BAD_NAME);
        CHECK(r.path[0] == '\0');
        CHECK(ds_symstore_find_breakpad(s, bad[i], "ABC1", &r) == DS_STORE_BAD_NAME);
        CHECK(ds_symstore_find_breakpad(s, "x.pdb", bad[i], &r) == DS_STORE_BAD_NAME);
    }
    ds_symstore_close(s);
}

static void test_path(void)
{
    char spec[4096];
    /* srv with a cache, POSIX ':' lists, a bare URL server, cache*, a
     * missing folder, a Windows drive path, backslashes, duplicates */
    snprintf(spec, sizeof spec,
             "srv*%s*https://msdl.microsoft.com/download/symbols;%s:%s/;"
             "SRV*https://example.com/symbols;cache*%s;/nonexistent/dir;C:\\Windows\\Symbols;"
             "%s; %s ;symsrv*symsrv.dll*%s*http://x;unknown*%s",
             at("A"), at("B"), at("C"), at("D"), at("A"), at("C"), at("E"), at("F"));
    ds_symstore *s = ds_symstore_open(spec, true);
    CHECK(s != NULL);
    CHECK_EQ_U64(ds_symstore_entries(s), 5);
    CHECK_STR(ds_symstore_entry(s, 0), at("A"));
    CHECK_STR(ds_symstore_entry(s, 1), at("B"));
    CHECK_STR(ds_symstore_entry(s, 2), at("C"));
    CHECK_STR(ds_symstore_entry(s, 3), at("D"));
    CHECK_STR(ds_symstore_entry(s, 4), at("E"));
    CHECK(ds_symstore_entry(s, 5) == NULL);
    ds_symstore_close(s);

    /* backslashes are separators */
    char bs[1024];
    snprintf(bs, sizeof bs, "%s", at("B/tw"));
    for (char *p = bs; *p; p++)
        if (*p == '/')
            *p = '\\';
    s = ds_symstore_open(bs, true);
    CHECK_EQ_U64(ds_symstore_entries(s), 1);
    CHECK_STR(ds_symstore_entry(s, 0), at("B/tw"));
    ds_symstore_close(s);

    s = ds_symstore_open("", true);
    CHECK(s && ds_symstore_entries(s) == 0);
    ds_symstore_close(s);
    /* folders that do not exist are not searched but named by a lookup that
     * finds nothing; a cache is not made --offline */
    snprintf(spec, sizeof spec, "%s;srv*%s*https://example.com;%s", at("none"), at("nocache"),
             at("none"));
    s = ds_symstore_open(spec, true);
    CHECK(s && ds_symstore_entries(s) == 0 && ds_symstore_missing(s) == 2);
    CHECK_STR(ds_symstore_missing_at(s, 1), at("nocache"));
    ds_store_result r;
    CHECK(ds_symstore_find_image(s, "x.sys", 1, 2, &r) == DS_STORE_NOT_FOUND);
    char both[2100];
    snprintf(both, sizeof both, "%s, %s", at("none"), at("nocache"));
    CHECK_STR(r.searched, both);
    ds_symstore_close(s);
    s = ds_symstore_open("SRV*https://msdl.microsoft.com/download/symbols", true);
    CHECK(s && ds_symstore_entries(s) == 0);
    ds_symstore_close(s);

    /* NULL: DUMPSCAN_SYMBOL_PATH when set (the server of _NT_SYMBOL_PATH is
     * never reached then, even online), else _NT_SYMBOL_PATH */
    char nt[1024];
    snprintf(nt, sizeof nt, "srv*%s*https://msdl.microsoft.com/download/symbols", at("C"));
    setenv("DUMPSCAN_SYMBOL_PATH", at("A"), 1);
    setenv("_NT_SYMBOL_PATH", nt, 1);
    s = ds_symstore_open(NULL, false);
    CHECK_EQ_U64(ds_symstore_entries(s), 1);
    CHECK_STR(ds_symstore_entry(s, 0), at("A"));
    CHECK_EQ_U64(ds_symstore_servers(s), 0);
    ds_symstore_close(s);
    setenv("DUMPSCAN_SYMBOL_PATH", "", 1); /* set but empty: still wins */
    s = ds_symstore_open(NULL, false);
    CHECK(s && ds_symstore_entries(s) == 0 && ds_symstore_servers(s) == 0);
    ds_symstore_close(s);
    unsetenv("DUMPSCAN_SYMBOL_PATH");
    s = ds_symstore_open(NULL, false);
    CHECK_EQ_U64(ds_symstore_entries(s), 1);
    CHECK_STR(ds_symstore_entry(s, 0), at("C"));
    CHECK_EQ_U64(ds_symstore_servers(s), 1);
    ds_symstore_close(s);
    /* -y wins over both */
    setenv("DUMPSCAN_SYMBOL_PATH", at("A"), 1);
    s = ds_symstore_open(at("B"), false);
    CHECK(s && ds_symstore_entries(s) == 1 && ds_symstore_servers(s) == 0);
    CHECK_STR(ds_symstore_entry(s, 0), at("B"));
    ds_symstore_close(s);
    unsetenv("DUMPSCAN_SYMBOL_PATH");
    unsetenv("_NT_SYMBOL_PATH");
    s = ds_symstore_open(NULL, true);
    CHECK(s && ds_symstore_entries(s) == 0);
    ds_symstore_close(s);
    CHECK(ds_symstore_entry(NULL, 0) == NULL && ds_symstore_entries(NULL) == 0);
}

static void test_images(void)
{
    char spec[2048];
    snprintf(spec, sizeof spec, "%s;%s;%s", at("A"), at("B"), at("C"));
    ds_symstore *s = ds_symstore_open(spec, true);
    CHECK_EQ_U64(ds_symstore_entries(s), 3);
    ds_store_result r;

    /* uppercase key */
    CHECK(ds_symstore_find_image(s, "drv.sys", 0x5F8A1C2D, 0x3000, &r) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("A/drv.sys/5F8A1C2D3000/drv.sys"));
    /* lowercase key */
    CHECK(ds_symstore_find_image(s, "low.sys", 0xABCDEF01, 0x1A000, &r) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("A/low.sys/abcdef011a000/low.sys"));
    /* name as stored in lowercase, asked in another case */
    CHECK(ds_symstore_find_image(s, "UPPER.SYS", 0x11111111, 0x2000, &r) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("A/upper.sys/111111112000/upper.sys"));
    /* wrong identity inside the right folder: MISMATCH with detail */
    CHECK(ds_symstore_find_image(s, "mm.sys", 0x22222222, 0x4000, &r) == DS_STORE_MISMATCH);
    CHECK_STR(r.path, at("A/mm.sys/222222224000/mm.sys"));
    CHECK(strstr(r.detail, "timestamp 33333333") != NULL);
    CHECK(strstr(r.detail, "expected 22222222 4000") != NULL);
    /* a mismatch in A, the right file in B (two-tier): FOUND wins */
    CHECK(ds_symstore_find_image(s, "two.sys", 0x44444444, 0x5000, &r) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("B/tw/two.sys/444444445000/two.sys"));
    /* flat folder */
    CHECK(ds_symstore_find_image(s, "flat.sys", 0x55555555, 0x6000, &r) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("C/flat.sys"));
    CHECK(ds_symstore_find_image(s, "flat.sys", 0x55555555, 0x7000, &r) == DS_STORE_MISMATCH);
    /* not a PE at all */
    CHECK(ds_symstore_find_image(s, "junk.sys", 0x66666666, 0x1000, &r) == DS_STORE_MISMATCH);
    CHECK(strstr(r.detail, "not a PE") != NULL);
    /* file.ptr: absolute with PATH:, relative, to a folder, MSG: */
    CHECK(ds_symstore_find_image(s, "ptr.sys", 0x77777777, 0x8000, &r) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("D/real_ptr.sys"));
    CHECK(ds_symstore_find_image(s, "rel.sys", 0x77777777, 0x8000, &r) == DS_STORE_FOUND);
    CHECK(strstr(r.path, "rel.sys/777777778000/../../../D/real_ptr.sys") != NULL);
    CHECK(ds_symstore_find_image(s, "ptrdir.sys", 0x77777777, 0x8000, &r) ==
          DS_STORE_NOT_FOUND);
    CHECK(ds_symstore_find_image(s, "msg.sys", 0x77777777, 0x8000, &r) == DS_STORE_NOT_FOUND);
    /* absent */
    CHECK(ds_symstore_find_image(s, "none.sys", 1, 2, &r) == DS_STORE_NOT_FOUND);
    CHECK(r.path[0] == '\0');
    CHECK(ds_symstore_find_image(NULL, "drv.sys", 0x5F8A1C2D, 0x3000, &r) ==
          DS_STORE_NOT_FOUND);
    ds_symstore_close(s);

    /* the two-tier store alone: root/xx/name/KEY/name */
    s = ds_symstore_open(at("B"), true);
    CHECK(ds_symstore_find_image(s, "two.sys", 0x44444444, 0x5000, &r) == DS_STORE_FOUND);
    ds_symstore_close(s);
}

static const uint8_t guid1[16] = {0xDB, 0xFD, 0x19, 0x1C, 0xBB, 0x27, 0x99, 0x33,
                                  0xD9, 0xB4, 0x59, 0x73, 0xEF, 0xEA, 0xFC, 0xF3};

static void test_pdbs(void)
{
    char spec[2048];
    snprintf(spec, sizeof spec, "%s;%s;%s", at("A"), at("B"), at("C"));
    ds_symstore *s = ds_symstore_open(spec, true);
    ds_store_result r;
    CHECK(ds_symstore_find_pdb(s, "mod.pdb", guid1, 2, &r) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("A/mod.pdb/1C19FDDB27BB3399D9B45973EFEAFCF32/mod.pdb"));
    /* lowercase key, two-tier store */
    CHECK(ds_symstore_find_pdb(s, "low.pdb", guid1, 2, &r) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("B/lo/low.pdb/1c19fddb27bb3399d9b45973efeafcf32/low.pdb"));
    /* the info-stream age (5) names the same PDB */
    CHECK(ds_symstore_find_pdb(s, "age5.pdb", guid1, 5, &r) == DS_STORE_FOUND);
    /* wrong GUID in the file */
    CHECK(ds_symstore_find_pdb(s, "bad.pdb", guid1, 2, &r) == DS_STORE_MISMATCH);
    CHECK(strstr(r.detail, "expected 1C19FDDB27BB3399D9B45973EFEAFCF32") != NULL);
    /* wrong age in the file */
    CHECK(ds_symstore_find_pdb(s, "oldage.pdb", guid1, 7, &r) == DS_STORE_MISMATCH);
    /* not a PDB */
    CHECK(ds_symstore_find_pdb(s, "text.pdb", guid1, 2, &r) == DS_STORE_MISMATCH);
    CHECK(strstr(r.detail, "not a readable PDB") != NULL);
    /* flat folder */
    CHECK(ds_symstore_find_pdb(s, "flat.pdb", guid1, 2, &r) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("C/flat.pdb"));
    /* file.ptr to a PDB */
    CHECK(ds_symstore_find_pdb(s, "ptr.pdb", guid1, 2, &r) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("D/real.pdb"));
    CHECK(ds_symstore_find_pdb(s, "none.pdb", guid1, 2, &r) == DS_STORE_NOT_FOUND);
    ds_symstore_close(s);
}

static void test_breakpad(void)
{
    ds_symstore *s = ds_symstore_open(at("E"), true);
    ds_store_result r;
    CHECK(ds_symstore_find_breakpad(s, "app.pdb", "5A9832E5287241C1838ED98914E9B7FF1", &r) ==
          DS_STORE_FOUND);
    CHECK_STR(r.path, at("E/app.pdb/5A9832E5287241C1838ED98914E9B7FF1/app.sym"));
    /* id given in lowercase: folder is uppercase */
    CHECK(ds_symstore_find_breakpad(s, "app.pdb", "5a9832e5287241c1838ed98914e9b7ff1", &r) ==
          DS_STORE_FOUND);
    /* ELF-style module: nothing stripped */
    CHECK(ds_symstore_find_breakpad(s, "libfoo.so", "0011AA0", &r) == DS_STORE_FOUND);
    CHECK_STR(r.path, at("E/libfoo.so/0011AA0/libfoo.so.sym"));
    /* the file says another id */
    CHECK(ds_symstore_find_breakpad(s, "wrong.dll", "ABC1", &r) == DS_STORE_MISMATCH);
    CHECK(strstr(r.detail, "DEF2") != NULL);
    CHECK(ds_symstore_find_breakpad(s, "app.pdb", "FFFF", &r) == DS_STORE_NOT_FOUND);
    ds_symstore_close(s);
}

static void build_stores(void)
{
    /* images */
    write_pe("A/drv.sys/5F8A1C2D3000/drv.sys", 0x5F8A1C2D, 0x3000);
    write_pe("A/low.sys/abcdef011a000/low.sys", 0xABCDEF01, 0x1A000);
    write_pe("A/upper.sys/111111112000/upper.sys", 0x11111111, 0x2000);
    write_pe("A/mm.sys/222222224000/mm.sys", 0x33333333, 0x4000);
    write_pe("A/two.sys/444444445000/two.sys", 0x44444444, 0x9999);
    write_text("B/index2.txt", "");
    write_pe("B/tw/two.sys/444444445000/two.sys", 0x44444444, 0x5000);
    write_pe("C/flat.sys", 0x55555555, 0x6000);
    write_text("A/junk.sys/666666661000/junk.sys", "this is not an image");
    write_pe("D/real_ptr.sys", 0x77777777, 0x8000);
    char ptr[1200];
    snprintf(ptr, sizeof ptr, "PATH:%s\r\n", at("D/real_ptr.sys"));
    write_text("A/ptr.sys/777777778000/file.ptr", ptr);
    write_text("A/rel.sys/777777778000/file.ptr", "../../../D/real_ptr.sys\n");
    snprintf(ptr, sizeof ptr, "PATH:%s", at("D"));
    write_text("A/ptrdir.sys/777777778000/file.ptr", ptr);
    write_text("A/msg.sys/777777778000/file.ptr", "MSG: file not available");
    mkdirs("E");
    mkdirs("F");

    /* PDBs: identity GUID guid1, DBI age 2, info age 5 */
    pdb_spec sp = {.info_age = 5, .dbi_age = 2};
    memcpy(sp.guid, guid1, 16);
    size_t len;
    uint8_t *pdb = pdbgen_build(&sp, &len);
    write_file("A/mod.pdb/1C19FDDB27BB3399D9B45973EFEAFCF32/mod.pdb", pdb, len);
    write_file("B/lo/low.pdb/1c19fddb27bb3399d9b45973efeafcf32/low.pdb", pdb, len);
    write_file("A/age5.pdb/1C19FDDB27BB3399D9B45973EFEAFCF35/age5.pdb", pdb, len);
    write_file("A/oldage.pdb/1C19FDDB27BB3399D9B45973EFEAFCF37/oldage.pdb", pdb, len);
    write_file("C/flat.pdb", pdb, len);
    write_file("D/real.pdb", pdb, len);
    snprintf(ptr, sizeof ptr, "PATH:%s", at("D/real.pdb"));
    write_text("A/ptr.pdb/1C19FDDB27BB3399D9B45973EFEAFCF32/file.ptr", ptr);
    write_text("A/text.pdb/1C19FDDB27BB3399D9B45973EFEAFCF32/text.pdb", "not a pdb");
    free(pdb);
    sp.guid[0] ^= 1;
    pdb = pdbgen_build(&sp, &len);
    write_file("A/bad.pdb/1C19FDDB27BB3399D9B45973EFEAFCF32/bad.pdb", pdb, len);
    free(pdb);

    /* Breakpad */
    write_text("E/app.pdb/5A9832E5287241C1838ED98914E9B7FF1/app.sym",
               "MODULE windows x86 5A9832E5287241C1838ED98914E9B7FF1 app.pdb\nFUNC 1 2 0 f\n");
    write_text("E/libfoo.so/0011AA0/libfoo.so.sym", "MODULE Linux x86_64 0011AA0 libfoo.so\n");
    write_text("E/wrong.dll/ABC1/wrong.sym", "MODULE windows x86 DEF2 wrong.dll\n");
}

static void test_corpus(void)
{
    char buf[1024];
    const char *store = corpus_path("symbols", buf, sizeof buf);
    if (!store) {
        printf("corpus absent: corpus store checks skipped\n");
        return;
    }
    ds_symstore *s = ds_symstore_open(store, true);
    ds_store_result r;
    CHECK(ds_symstore_find_image(s, "amdppm.sys", 0xC9C03000, 0x3B000, &r) == DS_STORE_FOUND);
    CHECK(strstr(r.path, "amdppm.sys/c9c030003b000/amdppm.sys") != NULL);
    CHECK(ds_symstore_find_image(s, "Wdf01000.sys", 0xA9A9D36E, 0xD1000, &r) ==
          DS_STORE_FOUND);
    CHECK(ds_symstore_find_image(s, "amdppm.sys", 0xC9C03001, 0x3B000, &r) ==
          DS_STORE_NOT_FOUND);
    /* amdppm.sys's RSDS record: GUID as stored, age 1 (the PDB's info age is 3) */
    CHECK(ds_symstore_find_pdb(s, "amdppm.pdb", guid1, 1, &r) == DS_STORE_FOUND);
    CHECK(strstr(r.path, "amdppm.pdb/1C19FDDB27BB3399D9B45973EFEAFCF31/amdppm.pdb") != NULL);
    static const uint8_t user32[16] = {0xB3, 0x78, 0xF7, 0x15, 0x1D, 0x67, 0xFD, 0x4E,
                                       0xBD, 0xCD, 0xE7, 0x99, 0x05, 0x30, 0x8B, 0x79};
    CHECK(ds_symstore_find_pdb(s, "user32.pdb", user32, 2, &r) == DS_STORE_FOUND);
    CHECK(ds_symstore_find_pdb(s, "user32.pdb", user32, 1, &r) == DS_STORE_NOT_FOUND);
    ds_symstore_close(s);

    const char *bp = corpus_path("user/breakpad-symbols", buf, sizeof buf);
    if (bp) {
        s = ds_symstore_open(bp, true);
        CHECK(ds_symstore_find_breakpad(s, "test_app.pdb", "5A9832E5287241C1838ED98914E9B7FF1",
                                        &r) == DS_STORE_FOUND);
        CHECK(strstr(r.path, "test_app.pdb/5A9832E5287241C1838ED98914E9B7FF1/test_app.sym"));
        CHECK(ds_symstore_find_breakpad(s, "kernel32.pdb", "BCE8785C57B44245A669896B6A19B9542",
                                        &r) == DS_STORE_FOUND);
        ds_symstore_close(s);
    }
}

int main(void)
{
    /* "srv*URL" entries fall back to the default cache: not the user's */
    setenv("DUMPSCAN_SYMBOL_CACHE", "/nonexistent/dumpscan-cache", 1);
    snprintf(root, sizeof root, "/tmp/dsstore-XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    mkdirs("A");
    mkdirs("B");
    mkdirs("C");
    mkdirs("D");
    build_stores();
    test_names();
    test_path();
    test_images();
    test_pdbs();
    test_breakpad();
    test_corpus();
    nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return check_report("test_symbols");
}
