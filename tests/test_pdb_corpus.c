/*
 * The PDB reader over the real PDBs of the shared corpus store:
 * identity against the store folder names, the amdppm.sys frames of the
 * triage dump as rizin names them (corpus/expected/triage_x64.rizin.txt),
 * and user32.pdb lookups across its code. Skipped when the corpus is absent.
 */
#include "check.h"
#include "symbols/pdb.h"

/* The store key of a PDB: GUID Data1-3 as integers, Data4 bytes, age. */
static void key_of(ds_pdb *p, char *dst, size_t cap)
{
    uint8_t g[16];
    uint32_t age;
    ds_pdb_identity(p, g, &age);
    snprintf(dst, cap, "%08X%04X%04X%02X%02X%02X%02X%02X%02X%02X%02X%X",
             (unsigned)(g[0] | g[1] << 8 | g[2] << 16 | (unsigned)g[3] << 24),
             (unsigned)(g[4] | g[5] << 8), (unsigned)(g[6] | g[7] << 8), g[8], g[9], g[10],
             g[11], g[12], g[13], g[14], g[15], age);
}

static ds_pdb *open_corpus(const char *rel, const char *key)
{
    char buf[1024];
    const char *path = corpus_path(rel, buf, sizeof buf);
    if (!path)
        return NULL;
    ds_error err = {0};
    ds_pdb *p = ds_pdb_open(path, &err);
    CHECK(p != NULL);
    if (!p) {
        fprintf(stderr, "%s: %s\n", rel, err.text);
        return NULL;
    }
    char k[64];
    key_of(p, k, sizeof k);
    CHECK_STR(k, key);
    return p;
}

/* rizin's frames of the triage dump in amdppm.sys (base fffff8048b580000):
 * pc, function, decimal offset. */
static const struct {
    uint64_t pc;
    const char *name;
    uint32_t off;
} amdppm_frames[] = {
    {0xfffff8048b58334cull, "WriteIoMemRawEx", 112},
    {0xfffff8048b58313full, "WriteGenAddrEx", 107},
    {0xfffff8048b583234ull, "WriteGenAddrMaybeHiddenEx", 24},
    {0xfffff8048b5a0e8full, "InitAcpiCpc", 791},
    {0xfffff8048b5a83f6ull, "ProcLibDeviceStart", 2182},
    {0xfffff8048b59f852ull, "EvtDevicePrepareHardware", 210},
};
#define AMDPPM_BASE 0xfffff8048b580000ull

static void test_amdppm(ds_pdb *p)
{
    CHECK_EQ_U64(ds_pdb_info_age(p), 3); /* rewritten after the link: info age grew */
    CHECK_EQ_U64(ds_pdb_machine(p), 0x8664);
    for (size_t i = 0; i < sizeof amdppm_frames / sizeof amdppm_frames[0]; i++) {
        uint32_t rva = (uint32_t)(amdppm_frames[i].pc - AMDPPM_BASE);
        ds_pdb_symbol s;
        /* pc itself (rizin), and pc - 1 as a return-address lookup does */
        for (uint32_t back = 0; back < 2; back++) {
            bool ok = ds_pdb_lookup(p, rva - back, &s);
            CHECK(ok);
            if (!ok)
                continue;
            CHECK_STR(s.name, amdppm_frames[i].name);
            CHECK_EQ_U64(rva - back - s.rva, amdppm_frames[i].off - back);
        }
    }
    ds_pdb_symbol s;
    CHECK(ds_pdb_lookup(p, 0x334c, &s) && !s.is_function); /* public symbols only */
    CHECK(!ds_pdb_lookup(p, 0, &s));
    CHECK(!ds_pdb_lookup(p, 0x3B000 + 0x100000, &s));
}

static void test_user32(ds_pdb *p)
{
    /* Walk the first MiB of RVAs: most of it is code with publics. Each
     * answer must start at or below the address; count distinct names. */
    int found = 0, distinct = 0;
    char last[512] = "";
    for (uint32_t rva = 0x1000; rva < 0x100000; rva += 0x101) {
        ds_pdb_symbol s;
        if (!ds_pdb_lookup(p, rva, &s))
            continue;
        found++;
        if (s.rva > rva || !s.name[0]) {
            CHECK(s.rva <= rva && s.name[0]);
            break;
        }
        if (strcmp(s.name, last) != 0) {
            distinct++;
            snprintf(last, sizeof last, "%s", s.name);
        }
    }
    CHECK(found > 2000);
    CHECK(distinct > 500);
    ds_pdb_symbol s;
    CHECK(ds_pdb_lookup(p, 0x1000, &s));
    CHECK_STR(s.name, "ZwUserRegisterServicesProcess");
    CHECK_EQ_U64(s.rva, 0x1000);
    ds_pdb_fpo f;
    CHECK(!ds_pdb_fpo_lookup(p, 0x1000, &f)); /* x64: no FPO data */
}

int main(void)
{
    char buf[1024];
    if (!corpus_path("symbols", buf, sizeof buf)) {
        printf("test_pdb_corpus: corpus absent, skipped\n");
        return CHECK_SKIP;
    }
    ds_pdb *p = open_corpus("symbols/amdppm.pdb/1C19FDDB27BB3399D9B45973EFEAFCF31/amdppm.pdb",
                            "1C19FDDB27BB3399D9B45973EFEAFCF31");
    if (p)
        test_amdppm(p);
    ds_pdb_close(p);
    p = open_corpus("symbols/user32.pdb/15F778B3671D4EFDBDCDE79905308B792/user32.pdb",
                    "15F778B3671D4EFDBDCDE79905308B792");
    if (p)
        test_user32(p);
    ds_pdb_close(p);
    return check_report("test_pdb_corpus");
}
