/*
 * ds_session: built once, shared read-only. Dumps opened with a session give
 * the same reports as ds_open; several threads open dumps with one session
 * at once (AddressSanitizer watches the shared parts); the session copies
 * its options (the caller's symbol path is freed before use here) and may be
 * freed while a dump opened with it is still in use.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dumpscan/dumpscan.h"

static const char *const samples[] = {
    "x64-triage.dmp",    "arm64-triage.dmp",   "x64-bitmap-kernel.dmp", "x86-summary.dmp",
    "x64-range-full.dmp", "arm64-bitmap-full.dmp", "x86pae-full.dmp",
};
enum { NSAMPLES = sizeof samples / sizeof samples[0], THREADS = 4, ROUNDS = 3 };

static char paths[NSAMPLES][512];
static char *expected[NSAMPLES]; /* ds_open's reports */

static char *report_with(const ds_session *s, const char *path)
{
    ds_error err;
    ds_dump *d = ds_open_with(s, path, &err);
    char *j = d ? ds_report_json(d, 0) : NULL;
    ds_close(d);
    return j;
}

static int mismatches;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    const ds_session *s = arg;
    for (int r = 0; r < ROUNDS; r++)
        for (size_t i = 0; i < NSAMPLES; i++) {
            char *j = report_with(s, paths[i]);
            bool same = j && expected[i] && strcmp(j, expected[i]) == 0;
            ds_free(j);
            if (!same) {
                pthread_mutex_lock(&mu);
                mismatches++;
                pthread_mutex_unlock(&mu);
            }
        }
    return NULL;
}

int main(void)
{
    setenv("DUMPSCAN_SYMBOL_PATH", "", 1);
    unsetenv("_NT_SYMBOL_PATH");
    for (size_t i = 0; i < NSAMPLES; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/testdata/samples/%s", DS_SOURCE_DIR,
                 samples[i]);
        ds_error err;
        ds_dump *d = ds_open(paths[i], NULL, &err);
        CHECK(d != NULL);
        expected[i] = d ? ds_report_json(d, 0) : NULL;
        ds_close(d);
    }

    /* Same reports, one session for all. */
    ds_error err;
    ds_session *s = ds_session_new(NULL, &err);
    CHECK(s != NULL);
    for (size_t i = 0; s && i < NSAMPLES; i++) {
        char *j = report_with(s, paths[i]);
        CHECK(j && expected[i] && strcmp(j, expected[i]) == 0);
        ds_free(j);
    }

    /* Concurrent use of one session. */
    pthread_t t[THREADS];
    for (int i = 0; s && i < THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, worker, s) == 0);
    for (int i = 0; s && i < THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK(mismatches == 0);

    /* A dump outlives its session. */
    ds_dump *d = s ? ds_open_with(s, paths[0], &err) : NULL;
    CHECK(d != NULL);
    ds_session_free(s);
    char *j = d ? ds_report_json(d, 0) : NULL;
    CHECK(j && expected[0] && strcmp(j, expected[0]) == 0);
    ds_free(j);
    ds_close(d);

    /* The options are copied: the caller's symbol path is gone before use. */
    char *sympath = strdup("/nonexistent/symbols");
    ds_open_options o = {DS_OPEN_OPTIONS_INIT, .symbol_path = sympath, .offline = true};
    s = ds_session_new(&o, &err);
    CHECK(s != NULL);
    memset(sympath, 'X', strlen(sympath));
    free(sympath);
    ds_dump *d2 = s ? ds_open_with(s, paths[0], &err) : NULL;
    CHECK(d2 != NULL);
    ds_close(d2);
    ds_session_free(s);

    /* No session: a usage error, not a crash. */
    CHECK(ds_open_with(NULL, paths[0], &err) == NULL && err.code == DS_E_USAGE);
    CHECK(ds_open_memory_with(NULL, "MDMP", 4, &err) == NULL && err.code == DS_E_USAGE);
    ds_session_free(NULL);

    for (size_t i = 0; i < NSAMPLES; i++)
        ds_free(expected[i]);
    return check_report("test_session");
}
