/* dsgen: command-line front end of the synthetic dump generator. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsgen.h"

static void usage(FILE *f)
{
    fputs("usage: dsgen --arch x64|x86|x86pae|arm64 --type N [options]\n"
          "\n"
          "Writes a synthetic Windows kernel crash dump (test data for dumpscan).\n"
          "  --type N             DumpType: x64 1-10, x86 1-7, arm64 1,3-7\n"
          "  --out FILE           output path (default: dsgen-<arch>-t<N>.dmp[.gz])\n"
          "  --gzip               write gzip-compressed\n"
          "  --truncate BYTES     cut the file to BYTES bytes (uncompressed image)\n"
          "  --modlist-loop       loader list loops back to its 2nd entry\n"
          "  --bad-triage-offsets triage driver list / string pool offsets past EOF\n"
          "  --phys-gib N         describe N GiB of physical memory (default: compact)\n"
          "  --sparse             types 1/10: write only real pages (sparse file)\n"
          "  --seed N             vary times, timestamps, GUIDs and module bases\n"
          "  --build N            Windows build written to the header (default x64 19041,\n"
          "                       x86 10240, type 2 7601); it also picks the layouts that\n"
          "                       changed: loader entries (< 9200), x86 trap frames (< 9600)\n"
          "  --process-name NAME  x64 dumps with memory (not triage): the current\n"
          "                       thread's EPROCESS.ImageFileName (PROCESS_NAME)\n"
          "  --scenario NAME      default irql pagefault kmode manual ntcrash noimages\n"
          "                       nobroken (repeatable), and one of the verdict\n"
          "                       scenarios: irqltrap pool poolcaller unloaded\n"
          "                       unloadedce power powernomem watchdog watchdogdpc whea\n"
          "                       manualkbd scanonly victim victimflt tdr tdrlive, or a header\n"
          "                       scenario: acpibios acpifatal iommu livedump noncanon\n"
          "                       fillptr freedptr userptr badimagehash exrecptr inpage\n"
          "  --verbose            print the written facts as key=value lines\n"
          "  --help               this text\n",
          f);
}

static int parse_u64(const char *s, uint64_t *v)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || *end || s[0] == '-') return -1;
    *v = x;
    return 0;
}

static void print_facts(const gen_spec *s, const char *path)
{
    printf("path=%s\n", path);
    printf("arch=%d pae=%d type=%u build=%u\n", s->arch, s->pae, s->dump_type, s->build);
    printf("file_size=%" PRIu64 "\nrequired_dump_space=%" PRIu64 "\n", s->out_file_size,
           s->out_required_dump_space);
    printf("dtb=0x%" PRIx64 "\nkdbg=0x%" PRIx64 "\nps_loaded_module_list=0x%" PRIx64 "\n",
           s->out_dtb, s->out_kdbg_va, s->out_ps_loaded_module_list);
    printf("ps_active_process_head=0x%" PRIx64 "\npfn_database=0x%" PRIx64 "\n",
           s->out_ps_active_process_head, s->out_pfn_database);
    printf("bugcheck=0x%x 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 "\n",
           s->bugcheck_code, s->bugcheck_params[0], s->bugcheck_params[1],
           s->bugcheck_params[2], s->bugcheck_params[3]);
    printf("pc=0x%" PRIx64 "\nsp=0x%" PRIx64 "\nfp=0x%" PRIx64 "\n", s->ctx_pc, s->ctx_sp,
           s->ctx_fp);
    printf("stack=0x%" PRIx64 "+0x%" PRIx64 "\nknown=0x%" PRIx64 "+0x%" PRIx64 "\n",
           s->out_stack_low, s->out_stack_size, s->out_known_va, s->out_known_len);
    printf("large_page=0x%" PRIx64 "\ntransition=0x%" PRIx64 "\nprototype=0x%" PRIx64 "\n",
           s->out_large_page_va, s->out_transition_va, s->out_prototype_va);
    printf("physical_pages=%" PRIu64 "\nhighest_pfn=0x%" PRIx64 "\n", s->out_physical_pages,
           s->out_highest_pfn);
    for (size_t i = 0; i < s->nmodules; i++)
        printf("module=%s base=0x%" PRIx64 " size=0x%x ts=0x%08x\n", s->modules[i].name,
               s->modules[i].base, s->modules[i].size, s->modules[i].timestamp);
    for (size_t i = 0; i < s->nunloaded; i++)
        printf("unloaded=%s start=0x%" PRIx64 " end=0x%" PRIx64 "\n", s->unloaded[i].name,
               s->unloaded[i].start, s->unloaded[i].end);
    for (size_t i = 0; i < s->out_nframes; i++)
        printf("frame%zu=0x%" PRIx64 " sp=0x%" PRIx64 "\n", i, s->out_frame_pc[i],
               s->out_frame_sp[i]);
    if (s->out_objects_va) printf("objects=0x%" PRIx64 "\n", s->out_objects_va);
    if (s->out_trap_va)
        printf("trap_frame=0x%" PRIx64 " ax=0x%" PRIx64 " cx=0x%" PRIx64 " dx=0x%" PRIx64 "\n",
               s->out_trap_va, s->out_trap_ax, s->out_trap_cx, s->out_trap_dx);
}

int main(int argc, char **argv)
{
    const char *arch_s = NULL, *out = NULL, *process_name = NULL;
    const char *scen[16];
    size_t nscen = 0;
    uint64_t type = 0, trunc = 0, gib = 0, seed = 0, build = 0;
    bool have_type = false, have_seed = false, have_build = false;
    bool gz = false, loop = false, sparse = false;
    bool bad_triage = false, verbose = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = !strcmp(a, "--arch") || !strcmp(a, "--type") || !strcmp(a, "--out") ||
                     !strcmp(a, "--truncate") || !strcmp(a, "--phys-gib") ||
                     !strcmp(a, "--seed") || !strcmp(a, "--scenario") ||
                     !strcmp(a, "--process-name") || !strcmp(a, "--build");
        if (takes && !v) {
            fprintf(stderr, "dsgen: %s needs a value\n", a);
            return 2;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); return 0; }
        else if (!strcmp(a, "--arch")) arch_s = v;
        else if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--process-name")) process_name = v;
        else if (!strcmp(a, "--type")) {
            if (parse_u64(v, &type) || type > 0xFFFFFFFFu) goto badnum;
            have_type = true;
        } else if (!strcmp(a, "--truncate")) {
            if (parse_u64(v, &trunc)) goto badnum;
        } else if (!strcmp(a, "--phys-gib")) {
            if (parse_u64(v, &gib) || gib > 1024) goto badnum;
        } else if (!strcmp(a, "--seed")) {
            if (parse_u64(v, &seed)) goto badnum;
            have_seed = true;
        } else if (!strcmp(a, "--build")) {
            if (parse_u64(v, &build) || build > 0xFFFFFFFu) goto badnum;
            have_build = true;
        } else if (!strcmp(a, "--scenario")) {
            if (nscen == sizeof scen / sizeof scen[0]) {
                fprintf(stderr, "dsgen: too many --scenario\n");
                return 2;
            }
            scen[nscen++] = v;
        } else if (!strcmp(a, "--gzip")) { gz = true; continue; }
        else if (!strcmp(a, "--modlist-loop")) { loop = true; continue; }
        else if (!strcmp(a, "--bad-triage-offsets")) { bad_triage = true; continue; }
        else if (!strcmp(a, "--sparse")) { sparse = true; continue; }
        else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) { verbose = true; continue; }
        else {
            fprintf(stderr, "dsgen: unknown option %s (try --help)\n", a);
            return 2;
        }
        i++; /* consumed a value */
        continue;
    badnum:
        fprintf(stderr, "dsgen: bad number for %s: %s\n", a, v);
        return 2;
    }
    if (!arch_s || !have_type) {
        usage(stderr);
        return 2;
    }
    int arch;
    bool pae = false;
    if (!strcmp(arch_s, "x64")) arch = DS_ARCH_X64;
    else if (!strcmp(arch_s, "x86")) arch = DS_ARCH_X86;
    else if (!strcmp(arch_s, "x86pae")) { arch = DS_ARCH_X86; pae = true; }
    else if (!strcmp(arch_s, "arm64")) arch = DS_ARCH_ARM64;
    else {
        fprintf(stderr, "dsgen: unknown arch %s\n", arch_s);
        return 2;
    }

    gen_spec s;
    gen_spec_default(&s, arch, pae, (uint32_t)type);
    if (have_seed) gen_spec_seed(&s, seed);
    for (size_t i = 0; i < nscen; i++)
        if (gen_spec_scenario(&s, scen[i]) != 0) {
            bool known = false;
            for (const char *const *n = gen_scenario_names(); *n; n++) known |= !strcmp(*n, scen[i]);
            if (known)
                fprintf(stderr, "dsgen: cannot apply scenario %s (one verdict scenario per dump)\n",
                        scen[i]);
            else
                fprintf(stderr, "dsgen: unknown scenario %s\n", scen[i]);
            return 2;
        }
    if (have_build) s.build = (uint32_t)build;
    s.gzip = gz;
    s.truncate_at = trunc;
    s.modlist_loop = loop;
    s.bad_triage_offsets = bad_triage;
    s.sparse_file = sparse;
    s.phys_bytes = gib << 30;
    if (process_name) s.process_name = process_name;

    char defpath[64];
    if (!out) {
        snprintf(defpath, sizeof defpath, "dsgen-%s-t%u.dmp%s", arch_s, (unsigned)type,
                 gz ? ".gz" : "");
        out = defpath;
    }
    char err[256];
    if (gen_write(&s, out, err, sizeof err) != 0) {
        fprintf(stderr, "dsgen: %s\n", err);
        return 1;
    }
    if (verbose) print_facts(&s, out);
    return 0;
}
