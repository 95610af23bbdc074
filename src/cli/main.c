/* dumpscan: command-line front end. Parses options and prints; the library
 * does the work. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "batch.h"
#include "fileset.h"
#include "say.h"
#include "dumpscan/dumpscan.h"

enum { EXIT_OK = 0, EXIT_UNREADABLE = 1, EXIT_USAGE = 2 };

static void usage(FILE *f)
{
    fputs("Usage: dumpscan [OPTIONS] FILE...\n"
          "       dumpscan [BATCH OPTIONS] DIR|FILE...\n"
          "\n"
          "Read Windows crash dumps offline and report what they say: the dump kind,\n"
          "system, crash time, bug check or exception, crashing context, threads,\n"
          "integrity and the module list.\n"
          "\n"
          "FILE is a kernel dump (PAGEDU64 / PAGEDUMP: complete, kernel, automatic,\n"
          "active, live, triage/small, range dumps; x64, x86 PAE and non-PAE, ARM64)\n"
          "or a user-mode minidump (MDMP: Windows Error Reporting, procdump,\n"
          "Breakpad, Crashpad; x86, x64, ARM, ARM64), optionally gzip-compressed,\n"
          "or a .cab holding dumps (stored, MSZIP or LZX; each reported,\n"
          "FILE_IN_CAB naming the member; ARCHIVE.cab:MEMBER names one).\n"
          "Regular files only: FIFOs, pipes and\n"
          "devices are refused at once. gzip is read in place (nothing written to\n"
          "disk, under 45 MiB of memory; over 64 GiB inflated is refused).\n"
          "\n"
          "Options:\n"
          "      --json       print one JSON object per file (see dumpscan-json(5));\n"
          "                   -j without a number means --json too\n"
          "      --compact    with --json: one line per file instead of indented\n"
          "  -v, --verbose    also print every stack (every thread of a minidump),\n"
          "                   registers and informational notes\n"
          "  -y, --symbols PATH\n"
          "                   symbol path: stores (name.pdb/GUIDAGE/name.pdb,\n"
          "                   name.sys/TIMESTAMPSIZE/name.sys, Breakpad .sym trees) or\n"
          "                   flat folders, separated by ';'; srv*CACHE*URL, srv*URL,\n"
          "                   symsrv*symsrv.dll*CACHE*URL and cache*DIR as in WinDbg.\n"
          "                   Local folders first; then http(s) servers, downloading\n"
          "                   into CACHE (default ~/.cache/dumpscan/symbols). Default:\n"
          "                   $DUMPSCAN_SYMBOL_PATH if set, else $_NT_SYMBOL_PATH. Nothing\n"
          "                   touches the network unless an entry names a server.\n"
          "                   Frames show [file @ line] and inline rows when the\n"
          "                   symbol file has line information.\n"
          "      --offline    never download (caches are still read)\n"
          "      --no-symbols ignore every symbol path\n"
          "      --no-unwind  do not walk stacks\n"
          "      --all-threads  minidumps: walk every thread, not only the crashing one\n"
          "  -h, --help       show this help\n"
          "  -V, --version    show the version\n"
          "\n"
          "Batch triage starts when an argument is a directory or a batch option is\n"
          "given. Every regular file is recognized by its signature (PAGEDU64,\n"
          "PAGEDUMP, MDMP, gzip of those; a .cab gives one row per dump inside and\n"
          "counts as one file seen); other files are skipped and counted. Every\n"
          "file met is a row, an error row (links that lead nowhere or loop,\n"
          "unreadable folders, names that became FIFOs) or a counted skip; trees\n"
          "deeper than PATH_MAX are walked.\n"
          "Names in the table and in messages on stderr show control characters as\n"
          "\\n, \\t, \\xHH.\n"
          "  -r, --recursive  descend into subdirectories (symbolic-link loops are cut)\n"
          "  -j, --jobs N     analyze N files at a time (default: one per CPU)\n"
          "      --format F   table (default, one row per dump), jsonl (one --json\n"
          "                   report per line), csv (dumpscan's columns), bsv-csv\n"
          "                   (BlueScreenView /scomma columns), html\n"
          "      --summary    counts per suspect module, bucket and bug check instead\n"
          "                   of rows (JSON with --json or --format jsonl)\n"
          "      --sort KEY   time (default), path, mtime, size, bugcheck, module,\n"
          "                   bucket; ~KEY reverses; ties by path\n"
          "      --header, --no-header\n"
          "                   CSV header line (default: csv yes, bsv-csv no)\n"
          "  -v               also name skipped files on stderr\n"
          "      --files-from FILE\n"
          "                   also take the files and folders listed in FILE ('-':\n"
          "                   stdin), one per line, or NUL-separated when the list\n"
          "                   holds a NUL or -0/--null is given\n"
          "      --shard I/N  take only shard I (0 to N-1) of N: a fixed hash of each\n"
          "                   path picks its shard, so N jobs cover every file once\n"
          "      --format html  one self-contained page (no scripts, nothing fetched):\n"
          "                   buckets, suspects, crashes per day, bug checks, drivers\n"
          "                   by version, new buckets, every dump\n"
          "      --db FILE    crash database (SQLite): store every dump analyzed; dumps\n"
          "                   it knows (same path, size, mtime, or the same content\n"
          "                   under another name) are not analyzed again. Without\n"
          "                   paths: report on every file in it (copies count, as\n"
          "                   in a run over the folder). Each dump is committed after\n"
          "                   its analysis: readers never wait, a killed run keeps it\n"
          "      --reanalyze  analyze even the dumps the database knows\n"
          "      --machine RULE  which machine a dump came from: top (default: the\n"
          "                   first folder below the one named; else the file's folder,\n"
          "                   or the one above a Minidump folder), parent,\n"
          "                   component:N (N-th folder, -1 the last), regex:ERE\n"
          "      --since DATE count crashes from DATE on (YYYY-MM-DD[THH:MM[:SS]] UTC,\n"
          "                   or Nd for N days ago) and list the buckets new since\n"
          "      --merge PART...  the arguments are JSONL outputs or databases of\n"
          "                   earlier runs (shards): print their rows, summary or page\n"
          "                   as one run would; with --db, merge database parts into it;\n"
          "                   a file in two parts counts once (with a warning)\n"
          "A batch on a terminal shows its progress (count, rate, ETA) on stderr.\n"
          "\n"
          "Exit status: 0 every file was read (damage is reported in the output),\n"
          "1 at least one file could not be read as a dump, 2 usage error.\n"
          "Batch: 0 every dump found was analyzed, 3 at least one file or directory\n"
          "failed (an error row names it), 2 usage error, 1 fatal error.\n"
          "Both: 1 when the output cannot be written (a full disk, a closed pipe).\n",
          f);
}

/* "-j N" and "-jN" with a number mean --jobs N; "-j" alone keeps meaning
 * --json, as it did before batch mode. */
static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static char **rewrite_jobs(int argc, char **argv, int *nargc)
{
    char **out = calloc((size_t)argc + 1, sizeof *out);
    if (!out)
        return NULL;
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (i > 0 && strcmp(argv[i], "--") == 0) {
            while (i < argc)
                out[n++] = argv[i++];
            break;
        }
        if (i > 0 && strcmp(argv[i], "-j") == 0 && i + 1 < argc && all_digits(argv[i + 1])) {
            out[n++] = "--jobs";
            out[n++] = argv[++i];
        } else if (i > 0 && strncmp(argv[i], "-j", 2) == 0 && all_digits(argv[i] + 2)) {
            out[n++] = "--jobs";
            out[n++] = argv[i] + 2;
        } else {
            out[n++] = argv[i];
        }
    }
    *nargc = n;
    return out;
}

/* Flush and close stdout: a full disk or a closed pipe must not pass for
 * success. Says so unless `reported` (batch has already said why). */
static int finish_output(int status, bool reported)
{
    errno = 0;
    bool bad = fflush(stdout) != 0 || ferror(stdout);
    int saved = errno;
    if (fclose(stdout) != 0 && !bad) {
        bad = true;
        saved = errno;
    }
    if (!bad)
        return status;
    if (!reported)
        cli_say("cannot write the output%s%s", saved ? ": " : "",
                saved ? strerror(saved) : "");
    return EXIT_UNREADABLE;
}

/* --since: a UTC date or time, or "Nd" for N days before now. */
static int parse_since(const char *s, int64_t *out)
{
    struct tm tm = {0};
    char *end;
    long days = strtol(s, &end, 10);
    if (end != s && strcmp(end, "d") == 0 && days >= 0 && days < 100000) {
        *out = (int64_t)time(NULL) - (int64_t)days * 86400;
        return 0;
    }
    const char *rest = strptime(s, "%Y-%m-%d", &tm);
    if (rest && *rest == 'T') {
        const char *r2 = strptime(rest + 1, "%H:%M:%S", &tm);
        rest = r2 ? r2 : strptime(rest + 1, "%H:%M", &tm);
    }
    if (!rest || (*rest && strcmp(rest, "Z") != 0))
        return -1;
    time_t t = timegm(&tm);
    if (t < 0)
        return -1;
    *out = (int64_t)t;
    return 0;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return ds_path_stat(path, &st) == 0 && S_ISDIR(st.st_mode); /* any length */
}

/* One report on stdout; -1 when the file could not be read. */
static int report_one(const char *path, const ds_session *session, bool json, bool compact,
                      bool verbose, bool *first)
{
    ds_error err;
    ds_dump *d = ds_open_with(session, path, &err);
    if (!d) {
        cli_say("%s: %s", path, err.text);
        return -1;
    }
    char *out = json ? ds_report_json(d, compact ? 0 : DS_JSON_PRETTY)
                     : ds_report_text(d, verbose ? DS_TEXT_VERBOSE : 0);
    if (out) {
        if (!json && !*first)
            fputs("\n", stdout);
        *first = false;
        fputs(out, stdout);
        if (json)
            fputs("\n", stdout);
    } else {
        cli_say("%s: out of memory", path);
    }
    ds_free(out);
    ds_close(d);
    return out ? 0 : -1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},    {"compact", no_argument, NULL, 'c'},
        {"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'}, {"symbols", required_argument, NULL, 'y'},
        {"no-symbols", no_argument, NULL, 'S'}, {"no-unwind", no_argument, NULL, 'U'},
        {"offline", no_argument, NULL, 'o'},
        {"all-threads", no_argument, NULL, 'T'}, {"recursive", no_argument, NULL, 'r'},
        {"jobs", required_argument, NULL, 'J'}, {"format", required_argument, NULL, 'F'},
        {"summary", no_argument, NULL, 'M'}, {"sort", required_argument, NULL, 'O'},
        {"header", no_argument, NULL, 'H'}, {"no-header", no_argument, NULL, 'N'},
        {"files-from", required_argument, NULL, 'L'}, {"null", no_argument, NULL, '0'},
        {"shard", required_argument, NULL, 'P'},
        {"db", required_argument, NULL, 'D'}, {"machine", required_argument, NULL, 'm'},
        {"since", required_argument, NULL, 's'}, {"reanalyze", no_argument, NULL, 'R'},
        {"merge", no_argument, NULL, 'G'},
        {NULL, 0, NULL, 0},
    };
    bool json = false, compact = false, verbose = false;
    bool batch = false, have_format = false;
    batch_opts bo = {.header = -1, .list_nul = -1};
    ds_open_options oo = {DS_OPEN_OPTIONS_INIT};
    int c;
    char **args = rewrite_jobs(argc, argv, &argc);
    if (!args) {
        fputs("dumpscan: out of memory\n", stderr);
        return EXIT_UNREADABLE;
    }
    argv = args;
    while ((c = getopt_long(argc, argv, "jvhVy:r0", opts, NULL)) != -1) {
        switch (c) {
        case 'y': oo.symbol_path = optarg; break;
        case 'S': oo.no_symbols = true; break;
        case 'o': oo.offline = true; break;
        case 'U': oo.no_unwind = true; break;
        case 'T': oo.all_threads = true; break;
        case 'j': json = true; break;
        case 'c': compact = true; break;
        case 'v': verbose = true; break;
        case 'r': bo.recursive = batch = true; break;
        case 'J': {
            char *end;
            long j = strtol(optarg, &end, 10);
            if (*end || j < 1 || j > 256) {
                cli_say("--jobs wants a number from 1 to 256");
                free(args);
                return EXIT_USAGE;
            }
            bo.jobs = (int)j;
            batch = true;
            break;
        }
        case 'F':
            if (batch_format_parse(optarg, &bo.format) != 0) {
                cli_say("unknown format '%s' (table, jsonl, csv, bsv-csv, html)",
                        optarg);
                free(args);
                return EXIT_USAGE;
            }
            have_format = batch = true;
            break;
        case 'M': bo.summary = batch = true; break;
        case 'O': {
            const char *k = optarg;
            bo.reverse = k[0] == '~';
            if (ds_row_sort_parse(k + bo.reverse, &bo.sort) != 0) {
                cli_say("unknown sort key '%s'", optarg);
                free(args);
                return EXIT_USAGE;
            }
            batch = true;
            break;
        }
        case 'H': bo.header = 1; batch = true; break;
        case 'N': bo.header = 0; batch = true; break;
        case 'L': bo.files_from = optarg; batch = true; break;
        case 'D': bo.db_path = optarg; batch = true; break;
        case 'm': {
            ds_error err;
            ds_machine_rule *m = ds_machine_rule_parse(optarg, &err);
            if (!m) {
                cli_say("--machine: %s", err.text);
                free(args);
                return EXIT_USAGE;
            }
            ds_machine_rule_free(m);
            bo.machine_rule = optarg;
            batch = true;
            break;
        }
        case 'R': bo.reanalyze = batch = true; break;
        case 'G': bo.merge = batch = true; break;
        case 's':
            if (parse_since(optarg, &bo.since.value) != 0) {
                cli_say("--since wants YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]"
                        " (UTC) or Nd (N days ago)");
                free(args);
                return EXIT_USAGE;
            }
            bo.since.known = batch = true;
            break;
        case '0': bo.list_nul = 1; break;
        case 'P':
            if (fileset_shard_parse(optarg, &bo.shard_index, &bo.shard_count) != 0) {
                cli_say("--shard wants I/N with 0 <= I < N, as 2/8");
                free(args);
                return EXIT_USAGE;
            }
            batch = true;
            break;
        case 'h': usage(stdout); free(args); return finish_output(EXIT_OK, false);
        case 'V':
            printf("dumpscan %s\n", ds_version());
            free(args);
            return finish_output(EXIT_OK, false);
        default: usage(stderr); free(args); return EXIT_USAGE;
        }
    }
    if (optind >= argc && !bo.files_from && !bo.db_path) {
        usage(stderr);
        free(args);
        return EXIT_USAGE;
    }
    for (int i = optind; i < argc && !batch; i++)
        batch = is_dir(argv[i]);
    if (batch) {
        if (json && have_format && bo.format != BATCH_JSONL) {
            fputs("dumpscan: --json and --format disagree\n", stderr);
            free(args);
            return EXIT_USAGE;
        }
        if (json)
            bo.format = BATCH_JSONL;
        bo.open = oo;
        bo.compact = compact;
        bo.verbose = verbose;
        int rc = batch_run(&bo, argv + optind, argc - optind);
        free(args);
        return finish_output(rc, rc == BATCH_EXIT_FATAL);
    }
    int status = EXIT_OK;
    /* -v shows every stack, so walk every thread for it */
    if (verbose)
        oo.all_threads = true;
    ds_error serr;
    ds_session *session = ds_session_new(&oo, &serr);
    if (!session) {
        cli_say("%s", serr.text);
        free(args);
        return EXIT_UNREADABLE;
    }
    bool first = true;
    for (int i = optind; i < argc && !ferror(stdout); i++) {
        /* a cabinet with several dumps: one report each */
        char **names = NULL;
        ds_error err;
        long n = ds_cab_dumps(argv[i], &names, &err);
        for (long k = 0; k < (n > 1 ? n : 1) && !ferror(stdout); k++) {
            char *member = n > 1 ? malloc(strlen(argv[i]) + strlen(names[k]) + 2) : NULL;
            if (member)
                sprintf(member, "%s:%s", argv[i], names[k]);
            /* after a write error the rest would be lost too; finish_output says why */
            if (report_one(member ? member : argv[i], session, json, compact, verbose, &first) !=
                0)
                status = EXIT_UNREADABLE;
            free(member);
        }
        ds_free_names(names, n > 0 ? (size_t)n : 0);
    }
    ds_session_free(session);
    free(args);
    return finish_output(status, false);
}
