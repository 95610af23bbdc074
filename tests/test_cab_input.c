/*
 * Dumps inside cabinets (gcab-made at test time, never committed): a .cab
 * opens as its first dump with FILE_IN_CAB, "x.cab:MEMBER" names any member,
 * the report equals the plain dump's apart from the file lines, a cabinet
 * with two dumps gives two reports and two batch rows, ds_detect_file sees
 * through it. The same for LZX cabinets from the test encoder, small and
 * larger than the in-memory limit. The real triage dump from the corpus is
 * checked when present.
 */
#include <unistd.h>

#include "check.h"
#include "dumpscan/dumpscan.h"
#include "io/cab.h"
#include "io/source.h"
#include "lzxcab.h"

#ifndef DUMPSCAN_BIN
#error "DUMPSCAN_BIN must name the dumpscan binary (tests/CMakeLists.txt)"
#endif

static char dir[64];

static int sh(const char *cmd)
{
    char full[2048];
    snprintf(full, sizeof full, "cd %s && %s", dir, cmd);
    return system(full);
}

/* stdout of a command run in dir, NUL-terminated (caller frees). */
static char *capture(const char *cmd)
{
    char full[2048];
    snprintf(full, sizeof full, "cd %s && %s", dir, cmd);
    FILE *p = popen(full, "r");
    if (!p)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (cap - n < 2) {
            char *b = realloc(buf, cap *= 2);
            if (!b)
                free(buf);
            buf = b;
        }
    }
    pclose(p);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* The text after the first line (the File: line) of a report. */
static const char *after_file_lines(const char *r)
{
    const char *p = r ? strchr(r, '\n') : NULL;
    if (p && strncmp(p + 1, "FILE_IN_CAB:", 12) == 0)
        p = strchr(p + 1, '\n');
    return p ? p + 1 : "";
}

static char *report(const char *path, unsigned flags, bool json)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", dir, path);
    ds_error err;
    ds_dump *d = ds_open(buf, NULL, &err);
    if (!d) {
        fprintf(stderr, "%s: %s\n", buf, err.text);
        return NULL;
    }
    char *r = json ? ds_report_json(d, flags) : ds_report_text(d, flags);
    ds_close(d);
    return r;
}

/* notes.txt and MEMORY.DMP of dir as report.cab, one LZX folder with a
 * window of 2^bits made by the test encoder (testdata/gen/lzxcab.c), which
 * cabextract checks when it is installed (tests/test_lzx.c checks the
 * encoder itself). */
static void lzx_cab(unsigned bits)
{
    char a[256], b[256];
    snprintf(a, sizeof a, "%s/notes.txt", dir);
    snprintf(b, sizeof b, "%s/MEMORY.DMP", dir);
    size_t na, nb, len;
    uint8_t *pa = check_slurp(a, &na), *pb = check_slurp(b, &nb);
    lzxcab_member m[2] = {{"notes.txt", pa, na}, {"MEMORY.DMP", pb, nb}};
    lzxcab_opts o = {.window_bits = bits, .kinds = "vau", .block_size = 300000,
                     .e8_size = 12000000};
    uint8_t *cab = pa && pb ? lzxcab_write(m, 2, &o, &len) : NULL;
    CHECK(cab != NULL);
    snprintf(a, sizeof a, "%s/report.cab", dir);
    FILE *f = fopen(a, "wb");
    CHECK(f && cab && fwrite(cab, 1, len, f) == len);
    if (f)
        fclose(f);
    CHECK(sh("! cabextract --version >/dev/null 2>&1 || cabextract -q -t report.cab >/dev/null") == 0);
    free(cab);
    free(pa);
    free(pb);
}

/* One dump as MEMORY.DMP inside report.cab (padded with zeros to pad, when
 * given; MSZIP by gcab, or LZX with a window of 2^lzx_bits); both reports
 * must agree. */
static void same_report(const char *dump, const char *pad, unsigned lzx_bits)
{
    char cmd[1024], grow[64] = "";
    if (pad)
        snprintf(grow, sizeof grow, "truncate -s %s MEMORY.DMP && ", pad);
    snprintf(cmd, sizeof cmd, "rm -f MEMORY.DMP report.cab && cp '%s' MEMORY.DMP && "
             "chmod u+w MEMORY.DMP && %s%s", dump, grow,
             lzx_bits ? "true" : "gcab -c -z report.cab notes.txt MEMORY.DMP");
    CHECK(sh(cmd) == 0);
    if (lzx_bits)
        lzx_cab(lzx_bits);
    char *a = report("MEMORY.DMP", DS_TEXT_VERBOSE, false);
    char *b = report("report.cab", DS_TEXT_VERBOSE, false);
    char *c = report("report.cab:memory.dmp", 0, false);
    CHECK(a && b && c);
    CHECK(b && strstr(b, "File:         ") && strstr(b, "report.cab\nFILE_IN_CAB:  MEMORY.DMP\n"));
    CHECK(a && !strstr(a, "FILE_IN_CAB"));
    CHECK(a && b && strcmp(after_file_lines(a), after_file_lines(b)) == 0);
    CHECK(c && strstr(c, "FILE_IN_CAB:  MEMORY.DMP\n"));
    char *j = report("report.cab", 0, true);
    CHECK(j && strstr(j, "\"in_cab\":\"MEMORY.DMP\""));
    /* a compressed member says how */
    CHECK(j && strstr(j, "\"compressed\":true") &&
          strstr(j, lzx_bits ? "\"compression\":\"lzx\"" : "\"compression\":\"mszip\""));
    char *k = report("MEMORY.DMP", 0, true);
    CHECK(k && strstr(k, "\"in_cab\":null"));
    CHECK(k && strstr(k, "\"compressed\":false") && strstr(k, "\"compression\":null"));
    free(a), free(b), free(c), free(j), free(k);
}

static bool any(const uint8_t *head, size_t len)
{
    (void)head;
    return len > 0;
}

/* A member larger than DS_SOURCE_SMALL: only its head is resident, reads
 * past it decode blocks on demand and match the original bytes. */
static void windowed_member(void)
{
    CHECK(sh("head -c 20000000 /dev/urandom > big.bin && seq 1 3000000 >> big.bin && "
             "gcab -c -z big.cab big.bin") == 0);
    char path[256], cab[256];
    snprintf(path, sizeof path, "%s/big.bin", dir);
    snprintf(cab, sizeof cab, "%s/big.cab", dir);
    size_t n;
    uint8_t *orig = check_slurp(path, &n);
    CHECK(orig && n > DS_SOURCE_SMALL);
    ds_source s;
    char *name = NULL;
    ds_error err;
    CHECK(ds_source_open_cab(&s, cab, NULL, any, &name, &err) == 0);
    CHECK(name && strcmp(name, "big.bin") == 0);
    CHECK_EQ_U64(s.bytes.size, n);
    CHECK_EQ_U64(s.bytes.resident, DS_SOURCE_HEAD);
    uint8_t buf[100000];
    bool same = true;
    uint32_t x = 99;
    for (int k = 0; orig && k < 200 && same; k++) {
        x = x * 1103515245u + 12345u;
        uint64_t off = (uint64_t)x % n;
        size_t got = ds_bytes_read(s.bytes, off, buf, sizeof buf);
        size_t want = n - off < sizeof buf ? (size_t)(n - off) : sizeof buf;
        same = got == want && memcmp(buf, orig + off, want) == 0;
    }
    CHECK(same);
    const uint8_t *p = ds_span(s.bytes, n - 10, 10);
    CHECK(p && orig && memcmp(p, orig + n - 10, 10) == 0);
    CHECK(ds_source_memory(&s) < 2 * DS_SOURCE_HEAD);
    ds_source_close(&s);
    free(name);
    free(orig);
    CHECK(sh("rm -f big.bin big.cab") == 0);
}

int main(void)
{
    if (system("gcab --version >/dev/null 2>&1") != 0) {
        fprintf(stderr, "gcab not installed: skipped\n");
        return CHECK_SKIP;
    }
    snprintf(dir, sizeof dir, "/tmp/ds-cabin-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    CHECK(sh("echo 'not a dump' > notes.txt") == 0);
    same_report(DS_SOURCE_DIR "/testdata/samples/x64-triage.dmp", NULL, 0);
    same_report(DS_SOURCE_DIR "/testdata/samples/x64-triage.dmp", NULL, 21);
    same_report(DS_SOURCE_DIR "/testdata/samples/x86pae-full.dmp", NULL, 15);
    /* batch: the LZX cabinet is one file seen, its dump an analyzed row */
    CHECK(sh("rm -rf lzxfleet && mkdir lzxfleet && cp report.cab lzxfleet/") == 0);
    char *rows = capture(DUMPSCAN_BIN " --format csv lzxfleet 2>&1");
    CHECK(rows && strstr(rows, "lzxfleet/report.cab:MEMORY.DMP"));
    free(rows);
    rows = capture(DUMPSCAN_BIN " lzxfleet 2>&1");
    CHECK(rows && strstr(rows, "1 file seen (1 cabinet with 1 dump): 1 analyzed, 0 failed"));
    if (rows && !strstr(rows, "1 analyzed, 0 failed"))
        fputs(rows, stderr);
    free(rows);
    CHECK(sh("rm -rf lzxfleet") == 0);

    /* larger than the in-memory limit: served block by block from the
     * cabinet (windows, checkpoints), still the same report */
    same_report(DS_SOURCE_DIR "/testdata/samples/x64-bitmap-kernel.dmp", "40M", 0);
    same_report(DS_SOURCE_DIR "/testdata/samples/x64-bitmap-kernel.dmp", "40M", 17);
    windowed_member();
    /* errors name what is wrong */
    char buf[512];
    ds_error err;
    snprintf(buf, sizeof buf, "%s/report.cab:nothere.dmp", dir);
    /* (the path already names the member: the message does not repeat it) */
    CHECK(ds_open(buf, NULL, &err) == NULL && err.code == DS_E_NOT_FOUND &&
          strstr(err.text, "member") && !strstr(err.text, "nothere.dmp"));
    snprintf(buf, sizeof buf, "%s/report.cab:notes.txt", dir);
    CHECK(ds_open(buf, NULL, &err) == NULL);
    CHECK(sh("gcab -c -z nodump.cab notes.txt") == 0);
    snprintf(buf, sizeof buf, "%s/nodump.cab", dir);
    CHECK(ds_open(buf, NULL, &err) == NULL && strstr(err.text, "no crash dump"));

    /* a Quantum cabinet (a gcab MSZIP one with CFFOLDER.typeCompress, at
     * offset 42, patched to Quantum): an error naming Quantum and the member,
     * never "no crash dump" nor a skipped file */
    CHECK(sh("cp " DS_SOURCE_DIR "/testdata/samples/x86-summary.dmp qtm.dmp && "
             "gcab -c -z qtm.cab notes.txt qtm.dmp && "
             "printf '\\002\\000' | dd of=qtm.cab bs=1 seek=42 conv=notrunc 2>/dev/null && "
             "mkdir qtm && cp qtm.cab qtm/ && gcab -c -z qtm/notes.cab notes.txt && "
             "printf '\\002\\000' | dd of=qtm/notes.cab bs=1 seek=42 conv=notrunc 2>/dev/null") == 0);
    snprintf(buf, sizeof buf, "%s/qtm.cab", dir);
    CHECK(ds_open(buf, NULL, &err) == NULL && err.code == DS_E_UNSUPPORTED &&
          strstr(err.text, "qtm.dmp: Quantum") && !strstr(err.text, "no crash dump"));
    char *out = capture(DUMPSCAN_BIN " qtm.cab 2>&1; echo rc=$?");
    CHECK(out && strstr(out, "qtm.cab: qtm.dmp: Quantum") && strstr(out, "rc=1"));
    free(out);
    /* batch: an error row per undecodable dump; a cabinet whose members say
     * nothing of being dumps is an error row named after its first member */
    out = capture(DUMPSCAN_BIN " --format csv qtm 2>&1; echo rc=$?");
    CHECK(out && strstr(out, "qtm/qtm.cab:qtm.dmp") && strstr(out, "qtm/notes.cab:notes.txt") &&
          strstr(out, "Quantum") && strstr(out, "rc=3"));
    if (out && !strstr(out, "qtm/qtm.cab:qtm.dmp"))
        fputs(out, stderr);
    free(out);
    out = capture(DUMPSCAN_BIN " qtm");
    CHECK(out && strstr(out, "2 failed, 0 skipped"));
    free(out);

    /* two dumps in one cabinet (stored, not compressed) */
    CHECK(sh("cp " DS_SOURCE_DIR "/testdata/samples/x86-summary.dmp second.dmp && "
             "gcab -c two.cab MEMORY.DMP notes.txt second.dmp") == 0);
    snprintf(buf, sizeof buf, "%s/two.cab", dir);
    char **names = NULL;
    long n = ds_cab_dumps(buf, &names, &err);
    CHECK(n == 2 && strcmp(names[0], "MEMORY.DMP") == 0 && strcmp(names[1], "second.dmp") == 0);
    ds_free_names(names, n > 0 ? (size_t)n : 0);
    CHECK(ds_cab_dumps(DS_SOURCE_DIR "/testdata/samples/x86-summary.dmp", &names, &err) == 0 && !names);
    ds_format fmt;
    bool gz;
    snprintf(buf, sizeof buf, "%s/two.cab:second.dmp", dir);
    CHECK(ds_detect_file(buf, &fmt, &gz, &err) == 0 && fmt == DS_FORMAT_KERNEL32);
    snprintf(buf, sizeof buf, "%s/two.cab", dir);
    CHECK(ds_detect_file(buf, &fmt, &gz, &err) == 0 && fmt == DS_FORMAT_UNKNOWN);

    out = capture(DUMPSCAN_BIN " two.cab");
    CHECK(out && strstr(out, "FILE_IN_CAB:  MEMORY.DMP") && strstr(out, "FILE_IN_CAB:  second.dmp"));
    free(out);
    CHECK(sh("mkdir fleet && mv two.cab nodump.cab fleet/ && cp notes.txt fleet/") == 0);
    out = capture(DUMPSCAN_BIN " --format csv fleet 2>&1");
    CHECK(out && strstr(out, "fleet/two.cab:MEMORY.DMP") && strstr(out, "fleet/two.cab:second.dmp"));
    free(out);
    /* files seen are files: the cabinet is one, its two dumps two rows */
    CHECK(sh("cp " DS_SOURCE_DIR "/testdata/samples/x64-triage.dmp fleet/plain.dmp") == 0);
    out = capture(DUMPSCAN_BIN " fleet");
    const char *counts = "4 files seen (1 cabinet with 2 dumps): 3 analyzed, 0 failed, 2 skipped";
    CHECK(out && strstr(out, counts));
    if (out && !strstr(out, counts))
        fputs(out, stderr);
    free(out);
    out = capture(DUMPSCAN_BIN " --summary fleet");
    CHECK(out && strncmp(out, counts, strlen(counts)) == 0);
    free(out);
    out = capture(DUMPSCAN_BIN " --summary --json --compact fleet");
    CHECK(out && strstr(out, "\"files\":{\"seen\":4,\"analyzed\":3,\"failed\":0,\"skipped\":2,"
                             "\"cabinets\":1,\"cabinet_dumps\":2}"));
    free(out);
    /* merged parts count the same way (skipped files are not in a part);
     * members that fail (the Quantum ones) keep their cabinet: in_cab is in their
     * JSONL rows too */
    CHECK(sh(DUMPSCAN_BIN " --format jsonl fleet > part.jsonl && "
             DUMPSCAN_BIN " --format jsonl qtm > part2.jsonl; true") == 0);
    out = capture(DUMPSCAN_BIN " --merge part.jsonl part2.jsonl");
    counts = "4 files seen (3 cabinets with 4 dumps): 3 analyzed, 2 failed, 0 skipped";
    CHECK(out && strstr(out, counts));
    if (out && !strstr(out, counts))
        fputs(out, stderr);
    free(out);
    out = capture(DUMPSCAN_BIN " qtm");
    CHECK(out && strstr(out, "2 files seen (2 cabinets with 2 dumps): 0 analyzed, 2 failed"));
    free(out);
    /* the crash database stores members (by their cabinet's size and time,
     * the member's content hash) and counts the same way: a re-run analyzes
     * nothing, and the database alone gives the same count of files */
    out = capture(DUMPSCAN_BIN " --db t.db fleet >/dev/null 2>&1 && "
                  DUMPSCAN_BIN " --db t.db fleet && " DUMPSCAN_BIN " --db t.db");
    counts = "4 files seen (1 cabinet with 2 dumps): 0 analyzed, 3 from the database, 0 failed, "
             "2 skipped";
    CHECK(out && strstr(out, counts));
    CHECK(out && strstr(out, "2 files in the database (1 cabinet with 2 dumps): 3 dumps, 0 failed"));
    if (out && (!strstr(out, counts) || !strstr(out, "2 files in the database")))
        fputs(out, stderr);
    free(out);
    out = capture(DUMPSCAN_BIN " --db t.db --summary --json --compact");
    CHECK(out && strstr(out, "\"files\":{\"seen\":2,\"analyzed\":3,\"failed\":0,\"skipped\":0,"
                             "\"cabinets\":1,\"cabinet_dumps\":2}"));
    free(out);
    CHECK(sh("rm -f part.jsonl part2.jsonl fleet/plain.dmp t.db*") == 0);

    /* the real triage dump */
    char corpus[512];
    if (corpus_path("kernel/triage_x64.dmp", corpus, sizeof corpus)) {
        same_report(corpus, NULL, 0);
        CHECK(sh("rm -rf fleet && mkdir fleet && mv report.cab fleet/") == 0);
        out = capture(DUMPSCAN_BIN " --format csv fleet");
        CHECK(out && strstr(out, "fleet/report.cab:MEMORY.DMP"));
        free(out);
        out = capture(DUMPSCAN_BIN " fleet");
        CHECK(out && strstr(out, "1 file seen (1 cabinet with 1 dump): 1 analyzed, 0 failed, "
                                 "0 skipped"));
        if (out && !strstr(out, "1 file seen"))
            fputs(out, stderr);
        free(out);
    }
    snprintf(buf, sizeof buf, "rm -rf %s", dir);
    CHECK(system(buf) == 0);
    return check_report("test_cab_input");
}
