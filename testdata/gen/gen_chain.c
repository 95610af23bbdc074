/*
 * Call chains: the stack of a chain scenario (gen_spec.chain), planned from
 * the shapes of the functions' code (gen_spec.h GEN_FN_*), and the scenario
 * objects on their own page (IRP / DEVICE_OBJECT / DRIVER_OBJECT for bug
 * check 0x9F, a WHEA_ERROR_RECORD for 0x124).
 *
 * Frame layouts, pos = the frame's stack pointer (x64: after the prologue):
 *
 *   x64   LEAF/CALL/FRAME  [pos+0x20] rbx (CALL) or caller's rbp (FRAME),
 *                          [pos+0x28] return address; caller at pos+0x30;
 *                          FRAME sets rbp = pos+0x20
 *         TRAP             KTRAP_FRAME at pos (0x190 bytes), rbp = pos+0x80;
 *                          ErrorCode at +0x160, machine frame at +0x168;
 *                          the interrupted frame's rsp is pos+0x190 (+8 when it
 *                          stopped at a function entry, 16-byte alignment)
 *         UNLOADED         [pos] return address (stopped at the entry)
 *   x86   LEAF             ebp = pos: [pos] caller's ebp, [pos+4] return
 *         CALL/FRAME       ebp = pos+8: [pos+8] caller's ebp, [pos+12] return
 *         TRAP             five pushed arguments at pos, KTRAP_FRAME at
 *                          ebp = pos+0x14; interrupted esp = ebp+0x74
 *         UNLOADED         [pos] return address, ebp is the caller's
 *   arm64 LEAF/CALL/FRAME  fp = sp = pos: [pos] caller's fp, [pos+8] return
 *         UNLOADED         nothing on the stack: lr holds the return address
 */
#include "gen_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define X64_KTRAP_SIZE 0x190u
#define X86_KTRAP_ESP 0x74u   /* interrupted esp = trap frame + 0x74 (HardwareEsp) */
#define X86_TRAP_ARGS 0x14u   /* arguments the x86 trap handler pushed before its call */

uint32_t gen_kind_return_offset(int arch, int kind)
{
    switch (kind) {
    case GEN_FN_CALL: return gen_return_offset(arch, 1);
    case GEN_FN_FRAME: return gen_return_offset(arch, 2);
    case GEN_FN_TRAP: return arch == DS_ARCH_X86 ? 0x14 : 0x15;
    default: return 0;
    }
}

int gen_func_kind(const gen_spec *s, size_t module, unsigned idx)
{
    static const int classic[3] = {GEN_FN_LEAF, GEN_FN_CALL, GEN_FN_FRAME};
    if (module >= s->nmodules) return -1;
    if (idx < 3) return classic[idx];
    const gen_module *m = &s->modules[module];
    if (idx - 3 >= m->nfuncs || m->nfuncs > GEN_MAX_FUNCS) return -1;
    int k = m->funcs[idx - 3].kind;
    return k >= GEN_FN_LEAF && k <= GEN_FN_TRAP ? k : -1;
}

uint64_t gen_spec_func_va(const gen_spec *s, size_t module, unsigned idx)
{
    if (module >= s->nmodules) return 0;
    uint64_t base = s->modules[module].base;
    if (idx < 3) return base + gen_func_rva(s->arch, idx);
    return base + GEN_EXTRA_TEXT + GEN_EXTRA_STRIDE * (uint64_t)(idx - 3);
}

/* ------------------------------------------------------------ planning */

static int fail(char *err, size_t errlen, const char *what, size_t i)
{
    if (err) gen_seterr(err, errlen, "chain frame %zu: %s", i, what);
    return -1;
}

static bool is_caller(int k) { return k == GEN_FN_CALL || k == GEN_FN_FRAME || k == GEN_FN_TRAP; }

static uint64_t next_pos(int arch, int kind, uint64_t pos, int next_kind)
{
    if (arch == DS_ARCH_X64) {
        if (kind == GEN_FN_TRAP) return pos + X64_KTRAP_SIZE + (next_kind == GEN_FN_UNLOADED ? 8 : 0);
        if (kind == GEN_FN_UNLOADED) return pos + 8;
        return pos + 0x30;
    }
    if (arch == DS_ARCH_X86) {
        if (kind == GEN_FN_TRAP) return pos + X86_TRAP_ARGS + X86_KTRAP_ESP;
        if (kind == GEN_FN_UNLOADED) return pos + 4;
        if (kind == GEN_FN_LEAF) return pos + 8;
        return pos + 16;
    }
    return kind == GEN_FN_UNLOADED ? pos : pos + 16;
}

int chain_plan(const gen_spec *s, gchain *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    size_t n = s->nchain;
    int a = s->arch;
    if (n == 0 || n > GEN_MAX_FRAMES) return fail(err, errlen, "chain length out of range", n);
    gen_layout L;
    gen_get_layout(a, s->pae, &L);
    uint64_t fva[GEN_MAX_FRAMES];
    for (size_t i = 0; i < n; i++) {
        const gen_call *k = &s->chain[i];
        if (k->unloaded) {
            if (k->module < 0 || (size_t)k->module >= s->nunloaded)
                return fail(err, errlen, "no such unloaded driver", i);
            const gen_unloaded *u = &s->unloaded[k->module];
            if (u->end <= u->start || k->rva >= u->end - u->start)
                return fail(err, errlen, "offset outside the unloaded range", i);
            c->kind[i] = GEN_FN_UNLOADED;
            fva[i] = u->start + k->rva;
        } else {
            if (k->module < 0 || (size_t)k->module >= s->nmodules)
                return fail(err, errlen, "no such module", i);
            c->kind[i] = gen_func_kind(s, (size_t)k->module, k->func);
            if (c->kind[i] < 0) return fail(err, errlen, "no such function", i);
            fva[i] = gen_spec_func_va(s, (size_t)k->module, k->func);
        }
        if (c->kind[i] == GEN_FN_TRAP && a != DS_ARCH_X64 && a != DS_ARCH_X86)
            return fail(err, errlen, "trap frames are written for x64 and x86 only", i);
        if (c->kind[i] == GEN_FN_TRAP && i + 1 == n)
            return fail(err, errlen, "a trap frame needs the interrupted frame after it", i);
        if (i > 0) {
            bool after_trap = c->kind[i - 1] == GEN_FN_TRAP;
            if (after_trap && c->kind[i] != GEN_FN_LEAF && c->kind[i] != GEN_FN_UNLOADED)
                return fail(err, errlen, "an interrupted frame must be LEAF or UNLOADED", i);
            if (!after_trap && !is_caller(c->kind[i]))
                return fail(err, errlen, "this frame's function calls nothing", i);
        }
    }
    c->n = n;

    /* pcs: exact where execution stopped, else the return site */
    bool have_fault = false;
    for (size_t i = 0; i < n; i++) {
        int k = c->kind[i];
        bool exact = i == 0 || c->kind[i - 1] == GEN_FN_TRAP;
        if (exact && k == GEN_FN_LEAF) c->pc[i] = fva[i] + gen_fault_offset(a);
        else if (k == GEN_FN_UNLOADED) c->pc[i] = fva[i];
        else c->pc[i] = fva[i] + gen_kind_return_offset(a, k);
        if (i > 0 && exact && !have_fault) {
            c->fault = i;
            have_fault = true;
        }
    }

    /* stack positions, outwards from the crash sp */
    uint64_t S = L.stack_low + L.sp_off;
    if (a == DS_ARCH_X64 && c->kind[0] == GEN_FN_UNLOADED) S -= 8; /* stopped at an entry */
    c->pos[0] = S;
    for (size_t i = 0; i + 1 < n; i++)
        c->pos[i + 1] = next_pos(a, c->kind[i], c->pos[i], c->kind[i + 1]);
    if (c->pos[n - 1] + 0x100 > L.stack_low + L.stack_size)
        return fail(err, errlen, "chain does not fit the stack", n - 1);

    /* frame pointers, inwards from the outermost frame (whose caller's is 0) */
    uint64_t outer = 0;
    for (size_t j = n; j-- > 0;) {
        int k = c->kind[j];
        uint64_t p = c->pos[j], v = outer;
        if (a == DS_ARCH_X64) {
            if (k == GEN_FN_FRAME) v = p + 0x20;
            else if (k == GEN_FN_TRAP) v = p + 0x80;
        } else if (a == DS_ARCH_X86) {
            if (k == GEN_FN_LEAF) v = p;
            else if (k == GEN_FN_CALL || k == GEN_FN_FRAME) v = p + 8;
            else if (k == GEN_FN_TRAP) v = p + X86_TRAP_ARGS;
        } else if (k != GEN_FN_UNLOADED) {
            v = p;
        }
        c->fp[j] = v;
        outer = v;
    }
    if (a == DS_ARCH_ARM64) {
        int k0 = c->kind[0];
        c->lr0 = (k0 == GEN_FN_LEAF || k0 == GEN_FN_UNLOADED) ? (n > 1 ? c->pc[1] : 0) : c->pc[0];
    }
    if (s->no_frame_chain && a != DS_ARCH_X64) {
        memset(c->fp, 0, sizeof c->fp);
        c->lr0 = 0;
    }
    return 0;
}

uint64_t chain_fault_pc(const gen_spec *s, bool *unloaded)
{
    if (unloaded) *unloaded = false;
    if (s->nchain == 0) return s->ctx_pc;
    gchain c;
    if (chain_plan(s, &c, NULL, 0) != 0) return s->ctx_pc;
    if (unloaded) *unloaded = c.kind[c.fault] == GEN_FN_UNLOADED;
    return c.pc[c.fault];
}

/* ------------------------------------------------------------- writing */

static uint64_t fault_address(const gen_spec *s)
{
    switch (s->bugcheck_code) {
    case 0x0A: case 0xD1: case 0x50: case 0x10000050: case 0xCE:
        return s->bugcheck_params[0];
    default:
        return 0;
    }
}

static bool wr(gworld *w, uint64_t va, uint64_t v, unsigned size)
{
    uint8_t b[8];
    if (size == 8) put64(b, v);
    else put32(b, (uint32_t)v);
    return vm_write(&w->vm, va, b, size);
}

/* The registers a trap frame saved, for tests to compare (out_trap_*). */
static void note_trap(gen_spec *s, uint64_t va, uint64_t ax, uint64_t cx, uint64_t dx)
{
    if (s->out_trap_va) return; /* the innermost one is kept */
    s->out_trap_va = va;
    s->out_trap_ax = ax;
    s->out_trap_cx = cx;
    s->out_trap_dx = dx;
}

static bool x64_trap(gworld *w, const gchain *c, size_t i)
{
    uint8_t t[X64_KTRAP_SIZE];
    memset(t, 0, sizeof t);
    size_t j = i + 1; /* the interrupted frame */
    t[0x28] = 0;      /* PreviousMode: KernelMode */
    t[0x29] = 2;      /* PreviousIrql: DISPATCH_LEVEL */
    put32(t + 0x2C, 0x1F80);                  /* MxCsr */
    put64(t + 0x30, 0);                       /* Rax */
    put64(t + 0x38, 0);                       /* Rcx: the null pointer */
    put64(t + 0x40, 0xFFFFF80430000200ULL);   /* Rdx */
    put64(t + 0xD0, fault_address(w->s));     /* FaultAddress */
    put64(t + 0x158, c->fp[j]);               /* Rbp */
    put64(t + 0x160, c->kind[j] == GEN_FN_UNLOADED ? 0x10 : 0); /* ErrorCode: fetch / read */
    put64(t + 0x168, c->pc[j]);               /* Rip */
    put16(t + 0x170, 0x10);                   /* SegCs */
    put32(t + 0x178, 0x00010286);             /* EFlags */
    put64(t + 0x180, c->pos[j]);              /* Rsp */
    put16(t + 0x188, 0x18);                   /* SegSs */
    note_trap(w->s, c->pos[i], 0, 0, 0xFFFFF80430000200ULL);
    return vm_write(&w->vm, c->pos[i], t, sizeof t);
}

static bool x86_trap(gworld *w, const gchain *c, size_t i)
{
    const gen_spec *s = w->s;
    size_t j = i + 1;
    uint64_t args = c->pos[i], tf = args + X86_TRAP_ARGS;
    /* the five arguments pushed for the call (KeBugCheckEx's when it is the callee) */
    uint8_t a[X86_TRAP_ARGS];
    put32(a, s->bugcheck_code);
    for (unsigned k = 0; k < 4; k++) put32(a + 4 + 4 * k, (uint32_t)s->bugcheck_params[k]);
    if (!vm_write(&w->vm, args, a, sizeof a)) return false;
    uint8_t t[X86_KTRAP_ESP];
    memset(t, 0, sizeof t);
    /* Windows 8.1 (build 9600) dropped DbgArgPointer (0x0C): TempSegCs up to
       Eax sit 4 bytes lower than in Windows 7 and 8; ExceptionList on did not
       move. Three different values, none of them a neighbour's, so a reader
       using the other layout gets each one wrong. */
    uint32_t lo = s->build >= 9600 ? 4 : 0;
    uint32_t eax = 0x850000A0u, ecx = 0, edx = 0x850000D0u; /* ecx: the null pointer */
    put32(t + 0x00, (uint32_t)c->fp[j]);  /* DbgEbp */
    put32(t + 0x04, (uint32_t)c->pc[j]);  /* DbgEip */
    put32(t + 0x08, 0xBADB0D00u);         /* DbgArgMark */
    put32(t + 0x30 - lo, 0);              /* SegGs */
    put32(t + 0x34 - lo, 0x23);           /* SegEs */
    put32(t + 0x38 - lo, 0x23);           /* SegDs */
    put32(t + 0x3C - lo, edx);            /* Edx */
    put32(t + 0x40 - lo, ecx);            /* Ecx */
    put32(t + 0x44 - lo, eax);            /* Eax */
    put32(t + 0x4C, 0xFFFFFFFFu);         /* ExceptionList: end of chain */
    put32(t + 0x50, 0x30);                /* SegFs */
    put32(t + 0x54, 0x85000100u);         /* Edi */
    put32(t + 0x58, 0x85000200u);         /* Esi */
    put32(t + 0x5C, 0x85000300u);         /* Ebx */
    put32(t + 0x60, (uint32_t)c->fp[j]);  /* Ebp */
    put32(t + 0x64, c->kind[j] == GEN_FN_UNLOADED ? 0x10 : 0); /* ErrCode */
    put32(t + 0x68, (uint32_t)c->pc[j]);  /* Eip */
    put32(t + 0x6C, 0x08);                /* SegCs */
    put32(t + 0x70, 0x00010286);          /* EFlags */
    note_trap(w->s, tf, eax, ecx, edx);
    return vm_write(&w->vm, tf, t, sizeof t);
}

/* A return site that is real code after a direct call, but no frame's: the
 * kernel's DsgStart after its call to DsgDispatch. */
static uint64_t stale_return(const gen_spec *s)
{
    return s->modules[0].base + gen_func_rva(s->arch, 2) + gen_return_offset(s->arch, 2);
}

/* The shapes written after the chain (GEN_SHAPE_*); out_* already hold the
 * chain's frames. */
static int chain_shapes(gworld *w, const gchain *c)
{
    gen_spec *s = w->s;
    int a = s->arch;
    size_t n = c->n;
    uint64_t stale = stale_return(s);
    s->out_stale_pc = stale;
    if ((s->shapes & GEN_SHAPE_STALE) && a == DS_ARCH_X64) {
        for (size_t i = 0; i < n; i++)
            if (c->kind[i] != GEN_FN_TRAP && c->kind[i] != GEN_FN_UNLOADED &&
                !wr(w, c->pos[i] + 8, stale, 8))
                return -1;
    }
    if ((s->shapes & GEN_SHAPE_X29_END) && a == DS_ARCH_ARM64 &&
        c->kind[n - 1] != GEN_FN_UNLOADED && n < GEN_MAX_FRAMES) {
        uint64_t p = c->pos[n - 1], ts = stale; /* the thread's start routine */
        if (!wr(w, p, 0, 8) || !wr(w, p + 8, ts, 8) || /* the last record: {0, lr} */
            !wr(w, p + 16, 0, 8) || !wr(w, p + 24, 0, 8) || /* DsgStart's own: {0, 0} */
            !wr(w, p + 0x30, p + 0x50, 8) || !wr(w, p + 0x38, stale + 0x10, 8) ||
            !wr(w, p + 0x50, 0, 8) || !wr(w, p + 0x58, stale, 8)) /* stale records */
            return -1;
        s->out_frame_pc[n] = ts;
        s->out_frame_sp[n] = p + 16;
        s->out_nframes = n + 1;
    }
    if ((s->shapes & GEN_SHAPE_SAVED_CONTEXT) && a != DS_ARCH_ARM64) {
        /* RtlCaptureContext's record: flags, selectors, flags register, and
         * code addresses in the pc and two registers */
        bool x = a == DS_ARCH_X64;
        uint8_t ctx[0x4D0];
        memset(ctx, 0, sizeof ctx);
        if (x) {
            put32(ctx + 0x30, 0x0010001F);
            put16(ctx + 0x38, 0x10);
            put16(ctx + 0x42, 0x18);
            put32(ctx + 0x44, 0x00000246);
            put64(ctx + 0x80, stale);        /* Rcx */
            put64(ctx + 0x90, stale + 0x10); /* Rbx */
            put64(ctx + 0xF8, stale);        /* Rip */
        } else {
            put32(ctx + 0x00, 0x0001001F);
            put32(ctx + 0xA4, (uint32_t)stale);          /* Ebx */
            put32(ctx + 0xB8, (uint32_t)(stale + 0x10)); /* Eip */
            put32(ctx + 0xBC, 0x08);
            put32(ctx + 0xC0, 0x00000246);
            put32(ctx + 0xC8, 0x10);
        }
        if (!vm_write(&w->vm, c->pos[n - 1] + (x ? 0x40 : 0x20), ctx, x ? 0x4D0 : 0x2CC))
            return -1;
    }
    if ((s->shapes & GEN_SHAPE_PC_ZERO) && (c->kind[0] == GEN_FN_CALL || c->kind[0] == GEN_FN_FRAME) &&
        s->out_nframes < GEN_MAX_FRAMES) {
        /* the call pushed its return address (x86, x64) or set lr (ARM64) */
        unsigned ps = a == DS_ARCH_X86 ? 4 : 8;
        uint64_t sp = a == DS_ARCH_ARM64 ? c->pos[0] : c->pos[0] - ps;
        if (a != DS_ARCH_ARM64 && !wr(w, sp, c->pc[0], ps))
            return -1;
        memmove(s->out_frame_pc + 1, s->out_frame_pc, s->out_nframes * sizeof *s->out_frame_pc);
        memmove(s->out_frame_sp + 1, s->out_frame_sp, s->out_nframes * sizeof *s->out_frame_sp);
        s->out_frame_pc[0] = 0;
        s->out_frame_sp[0] = sp;
        s->out_nframes++;
        s->ctx_pc = 0;
        s->ctx_sp = sp;
    }
    return 0;
}

int chain_write(gworld *w, const gchain *c)
{
    gen_spec *s = w->s;
    int a = s->arch;
    s->out_trap_va = s->out_trap_ax = s->out_trap_cx = s->out_trap_dx = 0;
    for (size_t i = 0; i < c->n; i++) {
        int k = c->kind[i];
        uint64_t p = c->pos[i];
        uint64_t rpc = i + 1 < c->n ? c->pc[i + 1] : 0;
        uint64_t rfp = i + 1 < c->n ? c->fp[i + 1] : 0;
        bool ok = true;
        if (a == DS_ARCH_X64) {
            if (k == GEN_FN_TRAP) ok = x64_trap(w, c, i);
            else if (k == GEN_FN_UNLOADED) ok = wr(w, p, rpc, 8);
            else {
                if (k == GEN_FN_CALL) ok = wr(w, p + 0x20, 0xFFFFF80430000300ULL, 8);
                else if (k == GEN_FN_FRAME) ok = wr(w, p + 0x20, rfp, 8);
                ok = ok && wr(w, p + 0x28, rpc, 8);
            }
        } else if (a == DS_ARCH_X86) {
            if (k == GEN_FN_TRAP) ok = x86_trap(w, c, i);
            else if (k == GEN_FN_UNLOADED) ok = wr(w, p, rpc, 4);
            else if (k == GEN_FN_LEAF) ok = wr(w, p, rfp, 4) && wr(w, p + 4, rpc, 4);
            else ok = wr(w, p + 8, rfp, 4) && wr(w, p + 12, rpc, 4);
        } else if (k != GEN_FN_UNLOADED) {
            ok = wr(w, p, rfp, 8) && wr(w, p + 8, rpc, 8);
        }
        if (!ok) return -1;
        s->out_frame_pc[i] = c->pc[i];
        s->out_frame_sp[i] = p;
    }
    s->out_nframes = c->n;
    return chain_shapes(w, c);
}

/* ------------------------------------------------------------- objects */

static void put_p(uint8_t *p, uint64_t v, bool is64)
{
    if (is64) put64(p, v);
    else put32(p, (uint32_t)v);
}

/* UNICODE_STRING at u whose buffer (UTF-16, NUL-terminated) is written at pg+boff */
static void put_ustring(uint8_t *pg, size_t u, size_t boff, uint64_t page_va, const char *txt,
                        bool is64)
{
    size_t n = strlen(txt);
    gen_utf16(pg + boff, txt, n);
    put16(pg + u, (uint16_t)(2 * n));
    put16(pg + u + 2, (uint16_t)(2 * n + 2));
    put_p(pg + u + (is64 ? 8 : 4), page_va + boff, is64);
}

static void guid_put(uint8_t *p, uint32_t d1, uint16_t d2, uint16_t d3, uint64_t d4be)
{
    put32(p, d1);
    put16(p + 4, d2);
    put16(p + 6, d3);
    for (int i = 0; i < 8; i++) p[8 + i] = (uint8_t)(d4be >> (56 - 8 * i));
}

static void power_objects(gworld *w, uint8_t *pg, uint64_t va)
{
    const gen_spec *s = w->s;
    bool x = w->is64;
    size_t pm = s->power_pdo_module < s->nmodules ? s->power_pdo_module : 0;
    size_t fm = s->power_fdo_module < s->nmodules ? s->power_fdo_module : 0;
    uint32_t irp_size = x ? 0xD0 : 0x70, isl = x ? 0x48 : 0x24;
    uint64_t loc1 = va + OBJ_IRP + irp_size + isl; /* the top driver's location */

    /* IRP: StackCount 2, CurrentLocation 2 (the FDO's driver holds it), pending */
    uint8_t *irp = pg + OBJ_IRP;
    put16(irp + 0, 6);
    put16(irp + 2, (uint16_t)(irp_size + 2 * isl));
    put32(irp + (x ? 0x30 : 0x18), 0x103);  /* IoStatus.Status = STATUS_PENDING */
    irp[x ? 0x41 : 0x21] = 1;               /* PendingReturned */
    irp[x ? 0x42 : 0x22] = 2;               /* StackCount */
    irp[x ? 0x43 : 0x23] = 2;               /* CurrentLocation */
    put_p(irp + (x ? 0xB8 : 0x60), loc1, x); /* Tail.Overlay.CurrentStackLocation */
    /* IO_STACK_LOCATION [1]: IRP_MJ_POWER / IRP_MN_SET_POWER, device power D3 */
    uint8_t *l = pg + OBJ_IRP + irp_size + isl;
    l[0] = 0x16;
    l[1] = 0x02;
    put32(l + (x ? 0x10 : 0x08), 1); /* Parameters.Power.Type = DevicePowerState */
    put32(l + (x ? 0x18 : 0x0C), 4); /* Parameters.Power.State = PowerDeviceD3 */
    put_p(l + (x ? 0x28 : 0x14), va + OBJ_FDO, x); /* DeviceObject */

    /* DEVICE_OBJECTs: the FDO attached on top of the PDO */
    struct { uint32_t off, drv, attached, flags, type; uint8_t stack; } dev[2] = {
        {OBJ_PDO, OBJ_PDO_DRV, OBJ_FDO, 0x3000, 0x22, 1},
        {OBJ_FDO, OBJ_FDO_DRV, 0, 0x2000, 0x12, 2},
    };
    for (unsigned i = 0; i < 2; i++) {
        uint8_t *d = pg + dev[i].off;
        put16(d + 0, 3);
        put16(d + 2, x ? 0x150 : 0xB8);
        put32(d + 4, 1);
        put_p(d + 8, va + dev[i].drv, x);
        if (dev[i].attached) put_p(d + (x ? 0x18 : 0x10), va + dev[i].attached, x);
        put32(d + (x ? 0x30 : 0x1C), dev[i].flags);
        put32(d + (x ? 0x48 : 0x2C), dev[i].type);
        d[x ? 0x4C : 0x30] = dev[i].stack;
    }

    /* DRIVER_OBJECTs */
    struct { uint32_t off, devoff, stroff; size_t mod; } drv[2] = {
        {OBJ_PDO_DRV, OBJ_PDO, OBJ_STRINGS, pm},
        {OBJ_FDO_DRV, OBJ_FDO, OBJ_STRINGS + 0x80, fm},
    };
    for (unsigned i = 0; i < 2; i++) {
        uint8_t *d = pg + drv[i].off;
        const gen_module *m = &s->modules[drv[i].mod];
        char name[80];
        size_t nl = strcspn(m->name, ".");
        if (nl > 50) nl = 50; /* the two name buffers are 0x80 bytes apart */
        snprintf(name, sizeof name, "\\Driver\\%.*s", (int)nl, m->name);
        put16(d + 0, 4);
        put16(d + 2, x ? 0x150 : 0xA8);
        put_p(d + (x ? 0x08 : 0x04), va + drv[i].devoff, x);       /* DeviceObject */
        put32(d + (x ? 0x10 : 0x08), 0x12);                          /* Flags */
        put_p(d + (x ? 0x18 : 0x0C), m->base, x);                    /* DriverStart */
        put32(d + (x ? 0x20 : 0x10), m->size);                       /* DriverSize */
        put_p(d + (x ? 0x28 : 0x14), w->mod[drv[i].mod].ldr_va, x);  /* DriverSection */
        put_ustring(pg, drv[i].off + (x ? 0x38 : 0x1C), drv[i].stroff, va, name, x);
        put_p(d + (x ? 0x58 : 0x2C), m->base + w->mod[drv[i].mod].img.entry_rva, x); /* DriverInit */
        put_p(d + (x ? 0x70 : 0x38) + 0x16 * (x ? 8 : 4),              /* MajorFunction[POWER] */
              m->base + gen_func_rva(s->arch, 1), x);
    }

    /* nt!_TRIAGE_9F_POWER (P3): signature and revision only */
    put16(pg + OBJ_TRIAGE9F, 0x8000);
    put16(pg + OBJ_TRIAGE9F + 2, 1);
}

static void whea_record(const gen_spec *s, uint8_t *pg)
{
    uint8_t *r = pg + OBJ_WHEA;
    const uint32_t hdr = 0x80, desc = 0x48, sect = 0xC0;
    memcpy(r, "CPER", 4);
    put16(r + 0x04, 0x0210);          /* Revision */
    put32(r + 0x06, 0xFFFFFFFFu);     /* SignatureEnd */
    put16(r + 0x0A, 1);               /* SectionCount */
    put32(r + 0x0C, 1);               /* Severity: fatal */
    put32(r + 0x10, 2);               /* ValidBits: timestamp */
    put32(r + 0x14, hdr + desc + sect);
    put64(r + 0x18, s->system_time);  /* Timestamp (approximate: raw FILETIME) */
    guid_put(r + 0x50, 0xE8F56FFE, 0x919C, 0x4CC5, 0xBA8865ABE14913BBULL); /* NotifyType: MCE */
    put64(r + 0x60, 1);               /* RecordId */
    uint8_t *d = r + hdr;
    put32(d + 0x00, hdr + desc);      /* SectionOffset */
    put32(d + 0x04, sect);            /* SectionLength */
    put16(d + 0x08, 0x0201);          /* Revision */
    put32(d + 0x0C, 1);               /* Flags: primary */
    guid_put(d + 0x10, 0x9876CCAD, 0x47B4, 0x4BDB, 0xB65E16F193C4F3DBULL); /* processor generic */
    put32(d + 0x30, 1);               /* SectionSeverity: fatal */
    memcpy(d + 0x34, "ProcessorError", 14);
    uint8_t *p = r + hdr + desc;
    put64(p + 0x00, 0x7);             /* ValidBits: type, ISA, error type */
    p[0x08] = 0;                      /* ProcessorType: IA32/X64 */
    p[0x09] = s->arch == DS_ARCH_X86 ? 0 : 2; /* InstructionSet */
    p[0x0A] = 0x01;                   /* ErrorType: cache */
}

int objects_build(gworld *w)
{
    gen_spec *s = w->s;
    w->obj_mapped = false;
    s->out_objects_va = 0;
    if (!s->objects || s->objects_absent) return 0;
    uint64_t va = w->L.obj_va;
    if (vm_alloc_map(&w->vm, va, 1, GEN_MAP_DATA) != 0) return -1;
    uint8_t *pg = calloc(1, PG);
    if (!pg) return -1;
    if (s->objects & GEN_OBJ_POWER) power_objects(w, pg, va);
    if (s->objects & GEN_OBJ_WHEA) whea_record(s, pg);
    bool ok = vm_write(&w->vm, va, pg, PG);
    free(pg);
    if (!ok) return -1;
    w->obj_mapped = true;
    s->out_objects_va = va;
    return 0;
}
