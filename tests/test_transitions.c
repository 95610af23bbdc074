/*
 * Context transitions: a bug check whose parameter is a trap frame gets a
 * walk that starts at the registers the trap frame saved (WinDbg's .trap).
 * The generator's "irqltrap" dump has a real x64 KTRAP_FRAME on the stack;
 * its machine frame (Rip at +0x168, Rsp at +0x180) holds the faulting
 * frame's pc and sp, which is how the test finds it. The dump is then
 * rewritten as 0x8E KERNEL_MODE_EXCEPTION_NOT_HANDLED, whose P3 is that
 * trap frame.
 */
#include <unistd.h>

#include "check.h"
#include "dsgen.h"
#include "dumpscan/dumpscan.h"

static const ds_stack *stack_labeled(const ds_crash *c, const char *label)
{
    for (size_t i = 0; i < c->nstacks; i++)
        if (c->stacks[i].label && strcmp(c->stacks[i].label, label) == 0)
            return &c->stacks[i];
    return NULL;
}

int main(void)
{
    char dir[] = "/tmp/ds-trans-XXXXXX", path[128], err[256];
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/irqltrap.dmp", dir);
    gen_spec s;
    gen_spec_default(&s, DS_ARCH_X64, false, 5);
    CHECK(gen_spec_scenario(&s, "irqltrap") == 0);
    CHECK(gen_write(&s, path, err, sizeof err) == 0);

    /* the frame the trap interrupted: the first one after the trap handler
     * whose pc is in the faulting driver (fabnic.sys) */
    ds_error e;
    ds_dump *d = ds_open(path, NULL, &e);
    CHECK(d != NULL);
    uint64_t trap_va = 0, want_pc = 0, want_sp = 0;
    for (size_t i = 1; d && i < s.out_nframes && !trap_va; i++) {
        const ds_module *m = ds_module_at(ds_dump_crash(d), s.out_frame_pc[i]);
        if (!m || strcmp(m->name, "fabnic.sys") != 0)
            continue;
        want_pc = s.out_frame_pc[i];
        want_sp = s.out_frame_sp[i];
        /* search the stack for Rip ... Rsp 0x18 bytes further */
        for (uint64_t a = s.out_stack_low; a + 0x20 <= s.out_stack_low + s.out_stack_size;
             a += 8) {
            uint64_t rip, rsp;
            if (ds_read(d, a, &rip, 8) == 8 && ds_read(d, a + 0x18, &rsp, 8) == 8 &&
                rip == want_pc && rsp == want_sp) {
                trap_va = a - 0x168;
                break;
            }
        }
    }
    ds_close(d);
    CHECK(trap_va != 0);

    s.bugcheck_code = 0x8E;
    s.bugcheck_params[0] = 0xC0000005;
    s.bugcheck_params[1] = want_pc;
    s.bugcheck_params[2] = trap_va;
    s.bugcheck_params[3] = 0;
    CHECK(gen_write(&s, path, err, sizeof err) == 0);
    d = ds_open(path, NULL, &e);
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        const ds_stack *st = stack_labeled(c, "trap frame (P3)");
        CHECK(st != NULL);
        if (st) {
            CHECK(st->kind == DS_STACK_FAULTING);
            CHECK(st->nframes >= 2);
            CHECK_EQ_U64(st->frames[0].pc, want_pc);
            CHECK_EQ_U64(st->frames[0].sp, want_sp);
            CHECK(st->frames[0].trust == DS_TRUST_CONTEXT);
        }
        CHECK(c->verdict.has_suspect);
        CHECK_STR(c->verdict.suspect.module_name, "fabnic.sys");
        /* the trap-frame walk is the first one: the report leads with it */
        CHECK(c->nstacks > 0 && c->stacks[0].label &&
              strcmp(c->stacks[0].label, "trap frame (P3)") == 0);
        ds_close(d);
    }
    /* x86: the EBP chain reaches the trap handler, whose ebp points at the
     * KTRAP_FRAME (DbgArgMark 0xBADB0D00); the walk must continue at the
     * interrupted frame, exactly as the generator laid the stack out. */
    gen_spec_default(&s, DS_ARCH_X86, true, 5);
    CHECK(gen_spec_scenario(&s, "irqltrap") == 0);
    CHECK(gen_write(&s, path, err, sizeof err) == 0);
    d = ds_open(path, NULL, &e);
    CHECK(d != NULL);
    if (d) {
        const ds_crash *c = ds_dump_crash(d);
        const ds_stack *st = NULL;
        for (size_t i = 0; i < c->nstacks && !st; i++)
            if (c->stacks[i].nframes && c->stacks[i].frames[0].pc == s.ctx_pc)
                st = &c->stacks[i];
        CHECK(st != NULL);
        bool trap_seen = false;
        for (size_t i = 0; st && i < s.out_nframes; i++) {
            CHECK(i < st->nframes);
            if (i >= st->nframes)
                break;
            CHECK_EQ_U64(st->frames[i].pc, s.out_frame_pc[i]);
            CHECK_EQ_U64(st->frames[i].sp, s.out_frame_sp[i]);
            CHECK(st->frames[i].trust != DS_TRUST_SCAN);
            trap_seen |= st->frames[i].is_trap_frame;
        }
        CHECK(trap_seen);
        ds_close(d);
    }
    unlink(path);
    rmdir(dir);
    return check_report("test_transitions");
}
