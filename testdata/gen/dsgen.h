/*
 * dsgen: synthetic Windows kernel crash-dump generator (test data for dumpscan).
 *
 * An independent writer of the formats in doc/formats.md: it builds a
 * small kernel world (sparse physical memory, real page tables, PE images,
 * loader list, KDBG, a kernel stack whose frames match the images' unwind
 * data) and serializes it as any supported DumpType. Every fact it writes is
 * either in the spec or reported back in the out_* fields, so tests can compare
 * what a reader recovers against what was written.
 *
 * Supported combinations (dump_type):
 *   x64    1 2 3 4 5 6 7 8 9 10
 *   x86    1 2 3 4 5 6 7        (pae true or false)
 *   arm64  1 3 4 5 6 7
 * Everything is deterministic: the same spec gives the same bytes.
 */
#ifndef DSGEN_H
#define DSGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dumpscan/dumpscan.h" /* DS_ARCH_*, DS_DUMP_* constants only */

#ifdef __cplusplus
extern "C" {
#endif

#define GEN_MAX_MODULES 16
#define GEN_MAX_UNLOADED 8
#define GEN_MAX_FRAMES 16
#define GEN_MAX_FUNCS 12

/* Shapes of the code the generator can put in an image, and so of the stack
   frames it can build (see "Call chains" in testdata/README.md). */
enum {
    GEN_FN_LEAF = 0,  /* DsgWorker's shape: calls nothing; faults at gen_fault_offset */
    GEN_FN_CALL = 1,  /* DsgDispatch's shape: x64 push rbx / sub rsp,20h / call */
    GEN_FN_FRAME = 2, /* DsgStart's shape: x64 push rbp / sub rsp,20h / lea rbp / call */
    GEN_FN_TRAP = 3,  /* x64 and x86 only: a trap handler (KiPageFault, KiTrap0E, ...)
                         that builds a KTRAP_FRAME (x64 unwind: UWOP_PUSH_MACHFRAME) */
    GEN_FN_UNLOADED = 4 /* chain only: an address inside an unloaded driver's range */
};

/* An extra named function of a module (chain scenarios); function index 3 + j. */
typedef struct gen_func { const char *name; int kind; } gen_func;

typedef struct gen_module {
    const char *name;      /* "mydrv.sys" */
    const char *path;      /* "\\SystemRoot\\System32\\drivers\\mydrv.sys" */
    uint64_t base; uint32_t size;        /* size = SizeOfImage, page multiple */
    uint32_t timestamp, checksum;
    bool header_in_dump;   /* PE image pages written into the dump's memory */
    uint8_t guid[16]; uint32_t age; const char *pdb_name; /* CodeView RSDS */
    /* extra functions after the classic three (0 = none: the image is byte for
       byte the classic one); exported, with .pdata entries */
    gen_func funcs[GEN_MAX_FUNCS]; size_t nfuncs;
} gen_module;

typedef struct gen_unloaded { const char *name; uint64_t start, end; } gen_unloaded;

/* One frame of a call chain, innermost first. */
typedef struct gen_call {
    int module;        /* index into modules[] (or into unloaded[] when unloaded) */
    unsigned func;     /* 0..2 the classic three, 3 + j = modules[module].funcs[j] */
    bool unloaded;     /* the pc lies in unloaded[module] at offset rva */
    uint32_t rva;
} gen_call;

/* Stack shapes for the walk's rules (gen_spec.shapes; chain scenarios only). */
enum {
    GEN_SHAPE_X29_END = 1u << 0,  /* ARM64: the outermost record is {0, lr}, lr a real return
                                     into the kernel's DsgStart (one more frame, whose own
                                     record is {0, 0}), stale records above it */
    GEN_SHAPE_STALE = 1u << 1,    /* x64: a stale return address (into the kernel's DsgStart,
                                     after its direct call to DsgDispatch) in every frame's
                                     own stack space */
    GEN_SHAPE_PC_ZERO = 1u << 2,  /* frame 0 called address 0: pc 0, its return address at
                                     [sp] (x64, x86) or in lr (ARM64); chain[0] must call */
    GEN_SHAPE_SAVED_CONTEXT = 1u << 3 /* x64, x86: a CONTEXT record saved just above the
                                     outermost frame, its pc and registers pointing at code */
};

/* Scenario objects written on their own page (gen_spec.objects). */
enum {
    GEN_OBJ_POWER = 1u << 0, /* IRP + IO_STACK_LOCATIONs, PDO/FDO DEVICE_OBJECTs, their
                                DRIVER_OBJECTs, a TRIAGE_9F_POWER block (bug check 0x9F/3) */
    GEN_OBJ_WHEA = 1u << 1   /* a WHEA_ERROR_RECORD (bug check 0x124 P2) */
};

typedef struct gen_spec {
    int arch;             /* DS_ARCH_X64 / DS_ARCH_X86 / DS_ARCH_ARM64 */
    bool pae;             /* x86 only */
    uint32_t dump_type;   /* see the table above */
    uint32_t build, cpus, product_type, suite_mask;
    uint32_t bugcheck_code; uint64_t bugcheck_params[4];
    uint64_t system_time, uptime;     /* FILETIME, 100ns */
    uint64_t ctx_pc, ctx_sp, ctx_fp;  /* context written in the header (0 = derive) */
    gen_module modules[GEN_MAX_MODULES]; size_t nmodules;  /* [0] is the kernel */
    gen_unloaded unloaded[GEN_MAX_UNLOADED]; size_t nunloaded;
    const char *broken_driver;        /* triage BrokenDriver name or NULL */
    uint64_t exception_info[2];       /* ExceptionInformation[0..1] of the record 0x7E's P3
                                         names (access violation: access, address) */
    uint64_t phys_bytes;              /* physical address space to describe; 0 = just the
                                         pages written (compact). >= 64 MiB otherwise */
    bool sparse_file;                 /* types 1/10 with big phys_bytes: write only real
                                         pages, ftruncate the rest (a sparse file) */
    /* stack shape: frame 0 is in crash_module (its DsgWorker), frame 2 is in
       caller_module, frames 3-4 in modules[0] (the kernel) */
    size_t crash_module, caller_module;
    /* call chain (nchain 0 = the classic five-frame shape above): frame 0 is the
       context; a GEN_FN_TRAP frame interrupted the frame after it, every other
       frame was called by the frame after it. Context and stack follow it. */
    gen_call chain[GEN_MAX_FRAMES]; size_t nchain;
    bool no_frame_chain;              /* chain: x86 saved ebp / ARM64 fp and lr are 0, so
                                         only a stack scan finds the callers */
    uint32_t shapes;                  /* GEN_SHAPE_* */
    uint32_t objects;                 /* GEN_OBJ_* written on the object page */
    bool objects_absent;              /* describe them in the parameters, write nothing */
    size_t power_pdo_module, power_fdo_module; /* GEN_OBJ_POWER: drivers of PDO and FDO */
    const char *comment;              /* header Comment; NULL = default text */
    /* x64, not triage: CPU 0's KPRCB (KDBG.KiProcessorBlock), its current
       thread and that thread's EPROCESS, whose bytes at process_name_offset
       are process_name (up to 15 bytes, as given: may be garbage on purpose);
       NULL = no processor block (the default) */
    const char *process_name;
    uint32_t process_name_offset;
    uint64_t out_process_va;          /* that EPROCESS, 0 if none */
    /* corruption */
    uint64_t truncate_at;             /* 0 = none: cut the file to this many bytes */
    bool modlist_loop;                /* last loader entry's Flink -> 2nd entry, not the head */
    bool bad_triage_offsets;          /* triage: driver list/string pool offsets past EOF */
    bool gzip;                        /* write gzip-compressed */
    /* written facts for tests to compare against (filled by gen_write): */
    uint64_t out_dtb, out_kdbg_va, out_ps_loaded_module_list, out_file_size;
    uint64_t out_stack_low, out_stack_size;   /* kernel stack VA range written (triage:
                                                 the call-stack copy); size 0 for type 3 */
    uint64_t out_known_va, out_known_len;     /* a VA range whose bytes are gen_pattern(va):
                                                 2 small pages + 2 pages of a large page;
                                                 len 0 for type 3 */
    uint64_t out_required_dump_space;         /* header RequiredDumpSpace (untruncated size) */
    uint64_t out_ps_active_process_head, out_pfn_database;
    uint64_t out_large_page_va;        /* start of the large-page mapping inside the known range */
    uint64_t out_transition_va;        /* x64: page mapped by a transition PTE, bytes are
                                          gen_pattern(va); 0 on other arches, types 3/4 */
    uint64_t out_prototype_va;         /* x64: page whose PTE is a prototype PTE: must NOT be
                                          readable; 0 on other arches, types 3/4 */
    uint64_t out_exception_record_va, out_context_record_va; /* on the stack (P3/P4 of 0x7E) */
    uint64_t out_physical_pages;       /* pages stored in the file (0 for triage/header) */
    uint64_t out_highest_pfn;          /* highest PFN the physical map covers + 1 */
    /* expected call stack: [0] = the context; pc = return address for the rest,
       sp = stack pointer value in that frame after unwinding the callee */
    uint64_t out_frame_pc[GEN_MAX_FRAMES], out_frame_sp[GEN_MAX_FRAMES];
    size_t out_nframes;
    uint64_t out_stale_pc;             /* GEN_SHAPE_STALE / X29_END: the stale return address */
    uint32_t out_triage_data_blocks;   /* triage: number of TRIAGE_DATA_BLOCKs */
    uint64_t out_objects_va;           /* the object page (gen_spec.objects), 0 if none */
    /* the innermost KTRAP_FRAME of a call chain (0 if none) and the rax/eax,
       rcx/ecx, rdx/edx it saved; the x86 layout follows build (Windows 8.1,
       9600, moved Edx, Ecx and Eax 4 bytes lower: doc/formats.md 9.1) */
    uint64_t out_trap_va, out_trap_ax, out_trap_cx, out_trap_dx;
} gen_spec;

/* A realistic BSOD (0x1000007E in mydrv.sys) for this arch/type. */
void gen_spec_default(gen_spec *s, int arch, bool pae, uint32_t dump_type);

/* Named variations applied on top of a spec: "default", "irql" (0xA), "pagefault"
   (0x50), "kmode" (0x1E), "manual" (0xE2), "ntcrash" (pc in ntoskrnl, mydrv below it
   on the stack), "noimages" (no PE image pages in memory), "nobroken" (no triage
   BrokenDriver), and the verdict scenarios built on call chains (testdata/README.md
   lists each with its right answer): "irqltrap", "pool", "poolcaller", "unloaded",
   "unloadedce", "power", "powernomem", "watchdog", "watchdogdpc", "whea",
   "manualkbd", "scanonly", "victim", "victimflt". Returns 0, or -1 for an unknown
   name (or a chain scenario applied twice). */
int gen_spec_scenario(gen_spec *s, const char *name);

/* NULL-terminated list of every scenario name gen_spec_scenario() knows. */
const char *const *gen_scenario_names(void);

/* Vary timestamps, GUIDs, times and slide module bases deterministically. */
void gen_spec_seed(gen_spec *s, uint64_t seed);

/* Recompute ctx_pc/sp/fp and the bug-check parameters that depend on the layout
   (after changing modules, crash_module, caller_module or the bug check). */
void gen_spec_update_context(gen_spec *s);

int gen_write(gen_spec *s, const char *path, char *err, size_t errlen);       /* 0 ok */

/* Chain building blocks (used by the scenarios, usable by tests):
   gen_spec_add_module appends a module (header_in_dump, CodeView from its name)
   and returns its index, or -1 when full; gen_spec_add_func returns the function
   index (3 + j) of a named extra function of a module, adding it if missing, or
   -1 when full; gen_spec_push_call / gen_spec_push_unloaded append a chain frame
   (return 0, or -1 when full). Call gen_spec_update_context afterwards. */
int gen_spec_add_module(gen_spec *s, const char *name, const char *path, uint64_t base,
                        uint32_t size, uint32_t timestamp, const char *pdb_name);
int gen_spec_add_func(gen_spec *s, size_t module, const char *name, int kind);
int gen_spec_push_call(gen_spec *s, size_t module, int func);
int gen_spec_push_unloaded(gen_spec *s, size_t unloaded_index, uint32_t rva);

/* Address of function idx (0..2 classic, 3 + j extra) of a module of the spec. */
uint64_t gen_spec_func_va(const gen_spec *s, size_t module, unsigned idx);

uint8_t gen_pattern(uint64_t va); /* deterministic byte for the "known" data region */

/* The three functions every generated image exports (idx 0..2):
   "DsgWorker" (frame 0 faults inside it), "DsgDispatch", "DsgStart".
   gen_func_rva: RVA of the function start; gen_func_size: its length in bytes. */
const char *gen_func_name(unsigned idx);
uint32_t gen_func_rva(int arch, unsigned idx);
uint32_t gen_func_size(int arch, unsigned idx);

#ifdef __cplusplus
}
#endif

#endif
