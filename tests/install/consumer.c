/* An outside program: only the installed header and library. Opens the dump
 * it is given and prints one fact, so the link is exercised for real. */
#include <dumpscan/dumpscan.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (strcmp(ds_version(), DS_VERSION_STRING) != 0) {
        fprintf(stderr, "library %s, header %s\n", ds_version(), DS_VERSION_STRING);
        return 1;
    }
    if (argc < 2)
        return 0;
    ds_error err;
    ds_dump *d = ds_open(argv[1], NULL, &err);
    if (!d) {
        fprintf(stderr, "%s: %s\n", argv[1], err.text);
        return 1;
    }
    printf("%s %s\n", ds_arch_name(ds_dump_crash(d)->arch), ds_version());
    ds_close(d);
    return 0;
}
