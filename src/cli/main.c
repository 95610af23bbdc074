/* dumpscan: command-line front end. Parses options and prints; the library
 * does the work. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dumpscan/dumpscan.h"

enum { EXIT_OK = 0, EXIT_UNREADABLE = 1, EXIT_USAGE = 2 };

static void usage(FILE *f)
{
    fputs("Usage: dumpscan [OPTIONS] FILE...\n"
          "\n"
          "Read Windows crash dumps offline and report what they say: the dump kind,\n"
          "system, crash time, bug check or exception, crashing context, threads,\n"
          "integrity and the module list.\n"
          "\n"
          "FILE is a kernel dump (PAGEDU64 / PAGEDUMP: complete, kernel, automatic,\n"
          "active, live, triage/small, range dumps; x64, x86 PAE and non-PAE, ARM64)\n"
          "or a user-mode minidump (MDMP: Windows Error Reporting, procdump,\n"
          "Breakpad, Crashpad; x86, x64, ARM, ARM64), optionally gzip-compressed.\n"
          "\n"
          "Options:\n"
          "  -j, --json       print one JSON object per file (see dumpscan-json(5))\n"
          "      --compact    with --json: one line per file instead of indented\n"
          "  -v, --verbose    also print every stack, registers and informational notes\n"
          "  -y, --symbols PATH\n"
          "                   local symbol path: stores (name.pdb/GUIDAGE/name.pdb,\n"
          "                   name.sys/TIMESTAMPSIZE/name.sys, Breakpad .sym trees) or\n"
          "                   flat folders, separated by ';'. Default:\n"
          "                   $DUMPSCAN_SYMBOL_PATH, then the local parts of\n"
          "                   $_NT_SYMBOL_PATH (srv*CACHE*URL uses CACHE only).\n"
          "                   Nothing is ever downloaded.\n"
          "      --no-symbols ignore every symbol path\n"
          "      --no-unwind  do not walk stacks\n"
          "      --all-threads  minidumps: walk every thread, not only the crashing one\n"
          "  -h, --help       show this help\n"
          "  -V, --version    show the version\n"
          "\n"
          "Exit status: 0 every file was read (damage is reported in the output),\n"
          "1 at least one file could not be read as a dump, 2 usage error.\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},    {"compact", no_argument, NULL, 'c'},
        {"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'}, {"symbols", required_argument, NULL, 'y'},
        {"no-symbols", no_argument, NULL, 'S'}, {"no-unwind", no_argument, NULL, 'U'},
        {"all-threads", no_argument, NULL, 'T'}, {NULL, 0, NULL, 0},
    };
    bool json = false, compact = false, verbose = false;
    ds_open_options oo = {0};
    int c;
    while ((c = getopt_long(argc, argv, "jvhVy:", opts, NULL)) != -1) {
        switch (c) {
        case 'y': oo.symbol_path = optarg; break;
        case 'S': oo.no_symbols = true; break;
        case 'U': oo.no_unwind = true; break;
        case 'T': oo.all_threads = true; break;
        case 'j': json = true; break;
        case 'c': compact = true; break;
        case 'v': verbose = true; break;
        case 'h': usage(stdout); return EXIT_OK;
        case 'V': printf("dumpscan %s\n", DS_VERSION_STRING); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    int status = EXIT_OK;
    for (int i = optind; i < argc; i++) {
        ds_error err;
        ds_dump *d = ds_open(argv[i], &oo, &err);
        if (!d) {
            fprintf(stderr, "dumpscan: %s: %s\n", argv[i], err.text);
            status = EXIT_UNREADABLE;
            continue;
        }
        char *out = json ? ds_report_json(d, compact ? 0 : DS_JSON_PRETTY)
                         : ds_report_text(d, verbose ? DS_TEXT_VERBOSE : 0);
        if (out) {
            if (!json && i > optind)
                fputs("\n", stdout);
            fputs(out, stdout);
            if (json)
                fputs("\n", stdout);
        } else {
            fprintf(stderr, "dumpscan: %s: out of memory\n", argv[i]);
            status = EXIT_UNREADABLE;
        }
        ds_free(out);
        ds_close(d);
    }
    return status;
}
