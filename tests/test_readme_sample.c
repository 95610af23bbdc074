/*
 * README.md's sample report is what dumpscan prints for the bundled sample
 * testdata/samples/x64-triage.dmp, byte for byte: the documentation cannot
 * drift from the tool.
 */
#include <unistd.h>

#include "check.h"
#include "dumpscan/dumpscan.h"

int main(void)
{
    if (chdir(DS_SOURCE_DIR) != 0) {
        perror(DS_SOURCE_DIR);
        return 1;
    }
    FILE *f = fopen("README.md", "rb");
    CHECK(f != NULL);
    if (!f)
        return check_report("test_readme_sample");
    static char readme[1 << 18];
    size_t n = fread(readme, 1, sizeof readme - 1, f);
    fclose(f);
    readme[n] = '\0';
    const char *start = strstr(readme, "```\nFile:         testdata/samples/x64-triage.dmp\n");
    CHECK(start != NULL);
    if (!start)
        return check_report("test_readme_sample");
    start += 4;
    const char *end = strstr(start, "```\n");
    CHECK(end != NULL);
    ds_open_options opt;
    memset(&opt, 0, sizeof opt);
    opt.symbol_path = ""; /* the sample says what a machine without symbols sees */
    ds_error e;
    ds_dump *d = ds_open("testdata/samples/x64-triage.dmp", &opt, &e);
    CHECK(d != NULL);
    if (d && end) {
        char *t = ds_report_text(d, 0);
        size_t len = (size_t)(end - start);
        bool same = t && strlen(t) == len && memcmp(t, start, len) == 0;
        if (!same)
            fprintf(stderr, "README sample differs from the report:\n%s\n", t ? t : "(null)");
        CHECK(same);
        ds_free(t);
    }
    ds_close(d);
    return check_report("test_readme_sample");
}
