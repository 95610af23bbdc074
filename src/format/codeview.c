/* CodeView debug records (RSDS, NB10): the PDB identity of a module, from a
 * PE image's debug directory or a minidump's module list (doc/formats.md 7.2).
 * Here, below both readers, so neither reaches into the other's stage. */
#include <string.h>

#include "format/codeview.h"
#include "io/bytes.h"

bool ds_codeview_parse(const uint8_t *p, size_t len, ds_codeview *out)
{
    memset(out, 0, sizeof *out);
    size_t name_at;
    if (len >= 0x18 && memcmp(p, "RSDS", 4) == 0) {
        out->is_pdb70 = true;
        memcpy(out->guid, p + 4, 16);
        out->age = ds_le32(p + 0x14);
        name_at = 0x18;
    } else if (len >= 0x10 && memcmp(p, "NB10", 4) == 0) {
        memcpy(out->guid, p + 8, 4); /* the signature identifies NB10 PDBs */
        out->age = ds_le32(p + 0x0C);
        name_at = 0x10;
    } else {
        return false;
    }
    size_t n = 0;
    while (name_at + n < len && p[name_at + n] && n < sizeof out->pdb_name - 1)
        n++;
    memcpy(out->pdb_name, p + name_at, n);
    out->pdb_name[n] = '\0';
    return true;
}
