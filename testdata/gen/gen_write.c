/* gen_write: validate the spec, build the world, serialize, write. */
#include "gen_internal.h"

static bool type_supported(int arch, uint32_t t)
{
    switch (arch) {
    case DS_ARCH_X64: return (t >= 1 && t <= 10);
    case DS_ARCH_X86: return (t >= 1 && t <= 7);
    case DS_ARCH_ARM64: return t == 1 || (t >= 3 && t <= 7);
    default: return false;
    }
}

static int validate(const gen_spec *s, char *err, size_t errlen)
{
    if (s->arch != DS_ARCH_X64 && s->arch != DS_ARCH_X86 && s->arch != DS_ARCH_ARM64) {
        gen_seterr(err, errlen, "unsupported arch %d", s->arch);
        return -1;
    }
    if (s->pae && s->arch != DS_ARCH_X86) {
        gen_seterr(err, errlen, "pae is for x86 only");
        return -1;
    }
    if (!type_supported(s->arch, s->dump_type)) {
        gen_seterr(err, errlen, "dump type %u is not supported for this arch", s->dump_type);
        return -1;
    }
    if (s->phys_bytes) {
        uint64_t max = s->arch != DS_ARCH_X86 ? (1ULL << 40) : s->pae ? (1ULL << 36) : (1ULL << 32);
        if (s->phys_bytes % PG || s->phys_bytes < (64ULL << 20) || s->phys_bytes > max) {
            gen_seterr(err, errlen, "phys_bytes must be a page multiple in [64 MiB, %llu GiB]",
                       (unsigned long long)(max >> 30));
            return -1;
        }
    }
    if (s->comment && strlen(s->comment) > 127) {
        gen_seterr(err, errlen, "comment longer than 127 bytes");
        return -1;
    }
    return 0;
}

int gen_write(gen_spec *s, const char *path, char *err, size_t errlen)
{
    if (err && errlen) err[0] = 0;
    if (!s || !path) {
        gen_seterr(err, errlen, "no spec or path");
        return -1;
    }
    if (validate(s, err, errlen) != 0) return -1;
    if (s->ctx_pc == 0 || s->ctx_sp == 0 || s->ctx_fp == 0) gen_spec_update_context(s);

    gworld w;
    gbuf h = {0};
    gout o = {0};
    int rc = -1;
    if (world_build(&w, s, err, errlen) != 0) goto out;
    hdr_build(&w, &h);
    if (h.oom) {
        gen_seterr(err, errlen, "out of memory");
        goto out;
    }
    if (s->dump_type == DS_DUMP_TRIAGE) rc = write_triage_dump(&w, &h, &o, err, errlen);
    else rc = write_memory_dump(&w, &h, &o, err, errlen);
    if (rc != 0) goto out;

    s->out_dtb = vm_dtb(&w.vm);
    s->out_kdbg_va = w.kdbg_va;
    s->out_ps_loaded_module_list = w.psloaded_va;
    s->out_ps_active_process_head = w.psactive_va;
    s->out_pfn_database = w.pfndb_va;
    s->out_stack_low = w.L.stack_low;
    s->out_stack_size = w.L.stack_size;
    s->out_exception_record_va = w.L.stack_low + w.L.exrec_off;
    s->out_context_record_va = w.L.stack_low + w.L.ctxrec_off;
    s->out_required_dump_space = o.size;
    if (s->dump_type == DS_DUMP_HEADER) { /* no memory at all */
        s->out_stack_size = 0;
        s->out_known_len = 0;
    }
    if (s->dump_type == DS_DUMP_HEADER || s->dump_type == DS_DUMP_TRIAGE) {
        /* no page tables: the transition/prototype PTE checks do not apply */
        s->out_transition_va = 0;
        s->out_prototype_va = 0;
    }
    rc = out_emit(&o, s, path, &s->out_file_size, err, errlen);
out:
    out_free(&o);
    gb_free(&h);
    world_free(&w);
    return rc;
}
