/* User-mode minidumps (MDMP): not read yet (issue 6). */
#include "format/format.h"
#include "io/source.h"

int ds_minidump_read(ds_reader *r, ds_error *err)
{
    (void)r;
    ds_set_error(err, "user-mode minidumps (MDMP) are not supported yet");
    return -1;
}
