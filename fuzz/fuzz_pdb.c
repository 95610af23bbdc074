/* The PDB reader: arbitrary bytes as a PDB, then identity, address lookups
 * spread over the RVA range (some taken from the input itself, so the
 * fuzzer can aim them), x86 frame-data lookups and source lookups (C13
 * lines, inline sites). Seeds: the corpus PDBs and tests/pdbgen.h output
 * (which has procedures, FPO, FrameData, C13 lines and inline sites). */
#include <stdint.h>
#include <string.h>

#include "symbols/pdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ds_error err;
    ds_pdb *p = ds_pdb_open_memory(data, size, &err);
    if (!p)
        return 0;
    uint8_t guid[16];
    uint32_t age;
    ds_pdb_identity(p, guid, &age);
    (void)ds_pdb_info_age(p);
    (void)ds_pdb_machine(p);
    ds_pdb_symbol s;
    ds_pdb_fpo f;
    ds_srcloc loc;
    /* where pdbgen puts lines and inline sites, byte by byte */
    for (uint32_t rva = 0x1000; rva < 0x1090; rva++)
        (void)ds_pdb_source(p, rva, &loc);
    /* fixed probes: low code RVAs where small images keep their code */
    for (uint32_t rva = 0; rva < 0x8000; rva += 0x3F5) {
        (void)ds_pdb_lookup(p, rva, &s);
        (void)ds_pdb_fpo_lookup(p, rva, &f);
        (void)ds_pdb_source(p, rva, &loc);
    }
    /* probes spread over 32 bits, and a few read from the input's tail */
    for (uint32_t i = 0; i < 16; i++)
        (void)ds_pdb_lookup(p, i * 0x10000001u, &s);
    for (size_t i = 0; i < 8 && size >= 4 * (i + 1); i++) {
        const uint8_t *t = data + size - 4 * (i + 1);
        uint32_t rva = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 |
                       (uint32_t)t[3] << 24;
        (void)ds_pdb_lookup(p, rva, &s);
        (void)ds_pdb_lookup(p, rva & 0xFFFF, &s);
        (void)ds_pdb_fpo_lookup(p, rva & 0xFFFF, &f);
        (void)ds_pdb_source(p, rva & 0xFFFF, &loc);
    }
    ds_pdb_close(p);
    return 0;
}
