/*
 * dumpscan: offline Windows crash-dump analysis.
 *
 * Public API of libdumpscan. One prefix (ds_), no global state, errors returned
 * as values with a message. The library owns everything it hands out through a
 * ds_dump; the caller frees only what it opened (ds_close) and strings it asked
 * to be allocated for it (ds_free).
 *
 * Pipeline: bytes -> format reader -> crash model (this header) -> images ->
 * report. A ds_crash is the same for every dump format: later stages never look
 * at the file layout again, only at the model and its memory view (ds_read).
 *
 * Conventions for every function below, unless its comment says otherwise:
 *  - Ownership: an object returned by ds_X_new / ds_X_open / ds_open* is the
 *    caller's, freed with the matching ds_X_free / ds_X_close / ds_close (each
 *    accepts NULL). A returned `char *` is the caller's, freed with ds_free().
 *    A returned `const char *` is static (names, headers, ds_version) or
 *    borrowed from the object it came from.
 *  - Lifetimes: pointers into a ds_dump (its ds_crash and every string and
 *    array under it) are valid until ds_close. Arguments are only read during
 *    the call; nothing keeps a pointer to the caller's strings or structs.
 *  - Errors: failure is NULL or -1; a ds_error *err, when given (it may be
 *    NULL), then holds a code and a one-line message without the path.
 *  - Threads: the library has no global mutable state (libraries it loads on
 *    first use are loaded once, safely). Different objects may be used from
 *    different threads at the same time; a ds_session may also be shared by
 *    threads; any other object is used by one thread at a time. Functions
 *    that take only values or const pointers to caller data are reentrant.
 *
 * Optional values: one rule per kind of value, and no value doubles as
 * "unknown" (no 0, -1 or "" sentinels):
 *  - a number that may be unknown or absent is a ds_u64 (ds_i64 if signed):
 *    known == false means unknown, and then value is 0. Indexes into the
 *    model's arrays (ds_frame.module, ds_kernel_info.crashing_cpu) too.
 *  - a string is a pointer (char * owned as above, const char * static or
 *    borrowed), NULL when unknown or absent. "" is a value: the dump held an
 *    empty string.
 *  - a group of fields read together (a record, a context, a stream, the
 *    verdict) follows `bool has_<group>`; when it is false the group's fields
 *    are zero and mean nothing. Inside a group, a field is optional only if
 *    it says so by its type.
 *  - an enumeration's 0 member is its "unknown" or "none" (DS_ARCH_UNKNOWN,
 *    DS_TRUST_NONE, DS_CONFIDENCE_NONE, ...); the names of its members
 *    (ds_arch_name, ds_dump_type_name, ds_crash.dump_kind) call it "unknown".
 *    A crash class or parameter role "unknown" is one of the words of its
 *    vocabulary (doc/identifiers.txt: no rule fits), not a missing value.
 *  - an array is a pointer and a count: count 0 (pointer NULL) when empty.
 *  - fields marked "raw" hold what the file stores, as stored: 0 there is the
 *    dump's own value (a NULL pointer, no flags), not "unknown".
 *  - a field that qualifies another (ds_frame.function_offset of function,
 *    ds_row.suspect_function_offset of suspect_function) means something only
 *    when that one is known.
 * tests/check_api_conventions.py reads every struct below against these rules.
 */
#ifndef DUMPSCAN_DUMPSCAN_H
#define DUMPSCAN_DUMPSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * DS_API marks what libdumpscan exports; everything else in the library is
 * hidden (built with -fvisibility=hidden), so this header is the whole ABI.
 * tests/check_exports.cmake fails the build's tests when the shared library
 * exports anything not declared DS_API here, or misses anything declared.
 */
#if defined(DS_BUILDING_LIBRARY) && defined(__GNUC__)
#define DS_API __attribute__((visibility("default")))
#else
#define DS_API
#endif

/* The version these headers describe; ds_version() is the library's own. */
#define DS_VERSION_STRING "0.2.0"

/* JSON schema version of ds_report_json(); bumped only on incompatible change. */
#define DS_JSON_SCHEMA_VERSION 1

/* ---------------------------------------------------------------- errors */

/*
 * What went wrong, for a program to branch on; the text says it for a person.
 * Values are stable (new ones are only added at the end).
 */
typedef enum ds_errcode {
    DS_OK = 0,          /* no error */
    DS_E_IO,            /* the file cannot be opened or read (permission, I/O error) */
    DS_E_NOT_FOUND,     /* no such file, or no such member in a cabinet */
    DS_E_NOT_REGULAR,   /* a directory, FIFO, device or socket, not a file */
    DS_E_NOT_A_DUMP,    /* readable, but of no format this library knows */
    DS_E_TOO_LARGE,     /* larger than a limit the library keeps to */
    DS_E_CORRUPT,       /* of a known format, but cannot be read as one */
    DS_E_NOMEM,         /* an allocation failed */
    DS_E_USAGE,         /* an invalid argument (NULL path, bad option text) */
    DS_E_UNSUPPORTED,   /* a known but unsupported variant (compression, version) */
} ds_errcode;

/*
 * Filled by a function that fails (and only then: on success its content is
 * unspecified). The text never repeats the path the caller passed, so a
 * program prints it as "PATH: text". The caller owns the struct (usually on
 * its stack); nothing in it needs freeing.
 */
typedef struct ds_error {
    char text[256];     /* NUL-terminated, English, one line */
    ds_errcode code;
} ds_error;

/* A stable identifier for a code ("io", "not_found", ...; "unknown" for a
 * value this library does not know). Static storage. */
DS_API const char *ds_errcode_name(ds_errcode code);

/* ----------------------------------------------------- small value types */

/*
 * A fact read from the dump that may be absent. Kernel headers are pre-filled
 * with the bytes "PAGE"; a field still holding that pattern was never written,
 * so it is reported unknown (known = false), never as a value.
 */
typedef struct ds_u64 {
    uint64_t value;
    bool known;
} ds_u64;

/* The same for a signed number (times in Unix seconds). */
typedef struct ds_i64 {
    int64_t value;
    bool known;
} ds_i64;

typedef enum ds_arch {
    DS_ARCH_UNKNOWN = 0,
    DS_ARCH_X86,
    DS_ARCH_X64,
    DS_ARCH_ARM64,
    DS_ARCH_ARM
} ds_arch;

typedef enum ds_format {
    DS_FORMAT_UNKNOWN = 0,
    DS_FORMAT_KERNEL32, /* PAGEDUMP */
    DS_FORMAT_KERNEL64, /* PAGEDU64 */
    DS_FORMAT_MINIDUMP  /* MDMP (user mode) */
} ds_format;

/* Kernel DumpType values (doc/formats.md 1.4). */
enum {
    DS_DUMP_FULL = 1,
    DS_DUMP_SUMMARY = 2,
    DS_DUMP_HEADER = 3,
    DS_DUMP_TRIAGE = 4,
    DS_DUMP_BITMAP_FULL = 5,
    DS_DUMP_BITMAP_KERNEL = 6,
    DS_DUMP_AUTOMATIC = 7,
    DS_DUMP_RANGE_KERNEL = 8,
    DS_DUMP_RANGE_KERNEL_USER = 9,
    DS_DUMP_RANGE_FULL = 10
};

/* ------------------------------------------------------------- registers */

/*
 * Register numbering inside ds_context.regs, per architecture:
 *   x64:   0..15 = rax rcx rdx rbx rsp rbp rsi rdi r8..r15 (unwind numbering),
 *          16 = rip, 17 = rflags
 *   x86:   0..7 = eax ecx edx ebx esp ebp esi edi, 16 = eip, 17 = eflags
 *   arm64: 0..28 = x0..x28, 29 = fp, 30 = lr, 31 = sp, 32 = pc, 33 = cpsr
 *   arm:   0..12 = r0..r12, 13 = sp, 14 = lr, 15 = pc, 16 = cpsr
 * pc/sp/fp are copies of the architectural registers for format-blind code.
 */
#define DS_MAX_REGS 34

typedef struct ds_context {
    ds_arch arch;
    uint64_t pc, sp, fp;
    uint64_t regs[DS_MAX_REGS];
    uint64_t valid; /* bit n set: regs[n] holds a value from the dump */
    uint32_t flags; /* the raw ContextFlags */
} ds_context;

/* -------------------------------------------------------------- records */

/* An EXCEPTION_RECORD; every field but thread_id is raw. */
typedef struct ds_exception {
    uint32_t code;
    uint32_t flags;
    uint64_t record; /* VA of a chained record (raw: 0 when there is none) */
    uint64_t address;
    uint32_t nparams;
    uint64_t params[15];
    ds_u64 thread_id; /* the thread it happened on (minidump exception stream) */
} ds_exception;

typedef struct ds_bugcheck { /* raw, from the dump header */
    uint32_t code;
    uint64_t params[4];
} ds_bugcheck;

/* A debug identity (a value: copied freely, no pointers inside). */
typedef struct ds_codeview {
    bool is_pdb70; /* RSDS; otherwise NB10 (unless is_elf) */
    bool is_elf;   /* Breakpad/Crashpad "BpEL": an ELF build id, no PDB */
    uint8_t guid[16]; /* RSDS: GUID as stored; NB10: signature in bytes 0..3 */
    uint32_t age;
    char pdb_name[260]; /* path as recorded, UTF-8, NUL-terminated */
    uint8_t build_id[32]; /* is_elf: the build id bytes as stored */
    uint8_t build_id_len;
} ds_codeview;

/* ds_module.flags */
enum {
    DS_MOD_UNLOADED = 1u << 0,        /* a former range, from an unloaded list */
    DS_MOD_HEADER_IN_DUMP = 1u << 1,  /* the image's PE header page was readable */
    DS_MOD_FROM_DRIVER_LIST = 1u << 2,/* triage driver list */
    DS_MOD_FROM_LOADER_LIST = 1u << 3,/* PsLoadedModuleList walk */
    DS_MOD_FROM_MINIDUMP = 1u << 4    /* MDMP module list */
};

typedef struct ds_module {
    uint64_t base;
    uint64_t size;
    char *name;  /* base name ("amdppm.sys"), NULL if unknown */
    char *path;  /* full path as recorded, NULL if unknown */
    ds_u64 timestamp;     /* TimeDateStamp (PE header first, then list entry) */
    ds_u64 image_size;    /* SizeOfImage from the PE header when readable */
    ds_u64 checksum;
    uint16_t machine;     /* PE FILE_HEADER.Machine (an enumeration: 0 unknown) */
    bool has_cv;          /* a CodeView record was read (dump or image) */
    ds_codeview cv;
    uint32_t flags;
    /* Filled by the symbols stage when the module was needed (NULL if not): */
    char *image_file;     /* image found on the symbol path */
    char *symbol_file;    /* PDB or Breakpad .sym found on the symbol path */
    char *symbol_problem; /* why symbols are missing, e.g. "PDB GUID mismatch" */
    /* From the image's version resource when an image was read (else NULL): */
    char *file_version;     /* "10.0.19041.1" (VS_FIXEDFILEINFO) */
    char *product_name, *company_name, *file_description;
    /* Filled by the analysis stage (static strings): who ships the module.
     * owner: "microsoft", "third_party" or NULL when unknown; owner_source:
     * how it is known, "version_resource" (CompanyName), "inbox_list"
     * (symbols/windows-inbox.txt), NULL with owner. */
    const char *owner;
    const char *owner_source;
} ds_module;

/* ------------------------------------------------------ symbol lookups */

/*
 * One file the symbols stage asked the symbol path for (recorded only when a
 * symbol path is set): an image by TimeDateStamp+SizeOfImage, a PDB by
 * GUID+age, a Breakpad .sym (recorded only when found). Strings are NULL when
 * they do not apply.
 */
typedef struct ds_symbol_lookup {
    char *module;        /* module name ("ntoskrnl.exe") */
    const char *kind;    /* "image", "pdb" or "breakpad" */
    char *file;          /* the file asked for ("ntkrnlmp.pdb") */
    char *key;           /* its store key ("5F8A1C2D1046000", GUID+age) */
    const char *status;  /* "found", "missing", "mismatch" or "refused" */
    const char *origin;  /* found: "store", "cache" or "server" */
    char *source;        /* found: the folder or server URL */
    char *path;          /* the file used, or the one that did not match */
    char *detail;        /* why not: mismatch, or what the server said */
} ds_symbol_lookup;

/* --------------------------------------------------------- integrity notes */

typedef enum ds_severity {
    DS_INFO = 0,
    DS_WARNING,
    DS_DAMAGE  /* part of the dump is missing or corrupt */
} ds_severity;

typedef struct ds_note {
    ds_severity severity;
    char *code; /* stable machine-readable id, e.g. "file_truncated" */
    char *text; /* human sentence */
} ds_note;

/* -------------------------------------------------------------- threads */

typedef struct ds_thread {
    uint32_t id;
    uint64_t teb;                    /* raw */
    uint64_t stack_base, stack_size; /* captured stack memory (raw: a size 0 captured none) */
    bool has_context;
    ds_context context;
    char *name; /* NULL if unknown */
    uint32_t suspend_count;          /* raw */
    /* MINIDUMP_THREAD_INFO (ThreadInfoList), when the dump has one */
    bool has_info;
    uint32_t dump_flags;   /* 0x1 error thread, 0x2 writing thread, 0x4 exited, ... */
    ds_u64 start_address;
    ds_u64 create_time;    /* FILETIME */
} ds_thread;

/* --------------------------------------------------------- kernel facts */

/* One CPU of a kernel dump, found through KDBG.KiProcessorBlock. */
typedef struct ds_processor {
    uint32_t index;
    uint64_t prcb;           /* VA of its KPRCB */
    ds_u64 current_thread;   /* VA of the KTHREAD it ran */
    ds_u64 current_process;  /* VA of that thread's EPROCESS */
    bool has_context;
    ds_context context;      /* saved at bug-check time (KPRCB context) */
} ds_processor;

typedef struct ds_triage_info { /* raw, but for broken_driver */
    uint32_t size_of_dump;
    bool valid_marker; /* "TRGD" found at ValidOffset */
    uint32_t driver_count;
    uint32_t data_blocks;
    uint64_t stack_low, stack_size; /* copied call stack */
    uint32_t triage_options;
    char *broken_driver; /* NULL when none is named */
    uint32_t secondary_blobs; /* "DumpBlob" records after SizeOfDump */
    bool kdbg_copy;       /* plain KDBG copy present */
} ds_triage_info;

typedef struct ds_kernel_info {
    ds_u64 dump_type;       /* DumpType (DS_DUMP_*) */
    ds_u64 major_version;   /* 0xF free build, 0xC checked build */
    ds_u64 build;           /* MinorVersion = NtBuildNumber & 0xFFFF */
    ds_u64 directory_table_base;
    ds_u64 pfn_database;
    ds_u64 ps_loaded_module_list;
    ds_u64 ps_active_process_head;
    ds_u64 kd_debugger_data_block;
    ds_u64 product_type;
    ds_u64 suite_mask;
    ds_u64 writer_status;
    ds_u64 secondary_data_state;
    ds_u64 attributes;
    ds_u64 boot_id;
    ds_u64 mini_dump_fields;
    ds_u64 required_dump_space;
    ds_u64 kd_secondary_version;
    bool pae; /* x86 only */
    char *comment;           /* header Comment, NULL when never written */
    uint64_t physical_pages; /* pages stored in the file (none for triage) */
    uint64_t highest_pfn;    /* highest PFN the map covers + 1 */
    bool has_triage;         /* a triage (small memory) dump */
    ds_triage_info triage;
    bool kdbg_plain;         /* KDBG readable and not encoded */
    ds_u64 kernel_base;      /* KDBG.KernBase */
    ds_processor *processors;/* CPUs whose KPRCB was readable */
    size_t nprocessors;
    ds_u64 crashing_cpu;     /* index into processors */
    const char *crashing_cpu_reason; /* how it was chosen (static), NULL with it */
    char *build_lab;         /* KDBG NtBuildLab ("19041.1.amd64fre.vb_release...") */
} ds_kernel_info;

/* ------------------------------------------------------ user-mode facts */

/* A Crashpad annotation: a simple (key, value) of the process or of one
 * module, a module's list annotation (key NULL), or a module's string
 * annotation object. Strings are UTF-8 (invalid bytes replaced). */
typedef struct ds_annotation {
    ds_u64 module_index; /* the module's index as the dump gives it (ds_crash_module:
                            NULL when out of range); unknown: the process's */
    char *module; /* that module's name; NULL for the process's or when unknown */
    char *key;    /* NULL for a list annotation */
    char *value;
} ds_annotation;

typedef struct ds_minidump_info {
    uint32_t streams;          /* raw header fields */
    uint32_t version;
    uint64_t flags;            /* header Flags (MINIDUMP_TYPE used to write it) */
    ds_u64 process_id;         /* MiscInfo, else Linux /proc status */
    ds_u64 process_create_time; /* time_t */
    /* The SystemInfo stream (os version and cpus are in ds_crash): */
    bool has_system_info;
    uint32_t platform_id;      /* raw */
    const char *platform;      /* "windows_nt", "linux", ... (static); NULL: unknown id */
    uint16_t processor_arch_raw;
    ds_u64 product_type;       /* Windows platforms only */
    ds_u64 suite_mask;
    char *cpu_info;            /* "GenuineIntel family 6 model 13 stepping 8" */
    char *csd_version;         /* service pack text (Windows platforms only) */
    /* Other streams (NULL when absent or empty): */
    char *build_string;        /* MiscInfo 4 BuildString */
    char *os_text;             /* e.g. Breakpad/Crashpad Linux uname */
    /* Memory captured: ranges from MemoryList / Memory64List, bytes present. */
    uint32_t memory_ranges;
    uint64_t memory_bytes;
    ds_u64 handle_count;       /* HandleData descriptors */
    /* Breakpad extension streams */
    ds_u64 breakpad_dump_thread;       /* thread that wrote the dump */
    ds_u64 breakpad_requesting_thread; /* thread that asked for it (crashed) */
    char *lsb_release;         /* DISTRIB_DESCRIPTION / PRETTY_NAME */
    ds_u64 linux_maps_entries; /* lines of /proc/self/maps */
    /* Crashpad info stream */
    bool has_crashpad;
    char *crashpad_report_id, *crashpad_client_id; /* UUIDs; NULL when all zero */
    uint32_t crashpad_annotations; /* simple annotations recorded */
    ds_annotation *annotations;    /* Crashpad annotations read (process and modules) */
    size_t nannotations;
    /* Breakpad assertion stream (an invalid-parameter or pure-virtual-call
     * crash caught by the handler); strings NULL when empty */
    bool has_assertion;
    char *assert_expression, *assert_function, *assert_file;
    uint32_t assert_line;      /* raw */
    uint32_t assert_type;      /* raw: 0 unknown, 1 invalid parameter, 2 pure virtual call */
} ds_minidump_info;

/* --------------------------------------------------------------- stacks */

/* How a frame was found, most trustworthy first. */
typedef enum ds_trust {
    DS_TRUST_NONE = 0,
    DS_TRUST_CONTEXT,        /* the register context itself (frame 0) */
    DS_TRUST_UNWIND_INFO,    /* image unwind data (.pdata / DWARF CFI / STACK CFI) */
    DS_TRUST_FRAME_POINTER,  /* frame-pointer chain (EBP, x29) */
    DS_TRUST_SCAN_VALIDATED, /* stack scan, return address checked with capstone */
    DS_TRUST_SCAN,           /* stack scan, unchecked */
    DS_TRUST_TRAP_FRAME      /* a trap frame (KTRAP_FRAME) recognised on the stack;
                                ranks with UNWIND_INFO (listed last to keep the
                                earlier values) */
} ds_trust;

/* Where a frame's name came from. */
typedef enum ds_symsrc {
    DS_SYM_NONE = 0,      /* no name: module+offset only */
    DS_SYM_PDB_FUNCTION,  /* PDB procedure with a real function bound */
    DS_SYM_PDB_PUBLIC,    /* PDB public symbol (nearest below) */
    DS_SYM_EXPORT,        /* nearest export: may not be the real function */
    DS_SYM_BREAKPAD,      /* Breakpad .sym FUNC/PUBLIC */
    DS_SYM_ELF            /* ELF symbol table / DWARF */
} ds_symsrc;

/* A call the compiler inlined at a frame's pc (no stack frame of its own). */
typedef struct ds_inline_frame {
    char *function;       /* the inlined function, NULL when unnamed */
    char *source_file;    /* NULL when unknown */
    ds_u64 source_line;
} ds_inline_frame;

typedef struct ds_frame {
    uint64_t pc;          /* frame 0: the context pc; others: the return address */
    uint64_t sp;          /* stack pointer in this frame (Child-SP) */
    uint64_t fp;
    ds_trust trust;
    ds_u64 module;        /* index into ds_crash.modules (unknown: in no module) */
    char *function;       /* NULL when unknown */
    uint64_t function_offset; /* of function */
    ds_symsrc symbol_source;
    bool exact;           /* function bound known (the pc is inside it) */
    bool is_trap_frame;   /* a machine/trap frame was unwound through here */
    /* Source position of the instruction (callers: of return address - 1,
     * see pc_exact);
     * with inlines, the call site of the outermost one in this function. */
    char *source_file;    /* NULL when unknown */
    ds_u64 source_line;
    ds_inline_frame *inlines; /* inlined calls at the pc, innermost first */
    size_t ninlines;
    /* pc is where execution stopped (frame 0, the context a trap frame
     * holds), not a return address: symbols are looked up at pc itself
     * rather than at pc - 1 */
    bool pc_exact;
} ds_frame;

/* ds_stack.kind */
typedef enum ds_stack_kind {
    DS_STACK_FAULTING = 0, /* from the faulting context (exception / trap / header) */
    DS_STACK_BUGCHECK,     /* from the crashing CPU's bug-check context */
    DS_STACK_THREAD        /* a thread of a minidump */
} ds_stack_kind;

typedef struct ds_stack {
    ds_stack_kind kind;
    char *label;          /* "faulting context", "bug-check CPU 0", "thread 3060" */
    ds_u64 thread_id;     /* the thread's id (thread stacks) */
    ds_frame *frames;
    size_t nframes;
    char *end_reason;     /* why the walk stopped, e.g. "reached stack base"; NULL: not said */
} ds_stack;

/* -------------------------------------------------------------- verdict */

typedef enum ds_confidence {
    DS_CONFIDENCE_NONE = 0, /* no suspect named */
    DS_CONFIDENCE_LOW,
    DS_CONFIDENCE_MEDIUM,
    DS_CONFIDENCE_HIGH
} ds_confidence;

typedef struct ds_suspect {
    ds_u64 module;        /* index into ds_crash.modules (unknown: not loaded) */
    char *module_name;    /* "amdppm.sys"; an unloaded driver's name too; NULL: unknown */
    char *function;       /* NULL when unknown */
    uint64_t function_offset; /* of function */
    int score;            /* evidence weight, for ranking */
    char *why;            /* the strongest evidence, one sentence */
    const char *owner;    /* the module's owner (ds_module.owner), static; NULL unknown */
} ds_suspect;

typedef struct ds_verdict {
    char *title;          /* bug-check or exception name, e.g. "IRQL_NOT_LESS_OR_EQUAL" */
    char *description;    /* what it means, one or two sentences; NULL: not known */
    const char *crash_class; /* "driver_fault", "memory_corruption", "hardware", ... */
    bool has_suspect;     /* false: no driver is blamed (manual crash, hardware...) */
    ds_suspect suspect;
    ds_confidence confidence;
    char **reasons;       /* plain sentences: why this suspect */
    size_t nreasons;
    char **caveats;       /* traps that apply: victim module, scan-only stack, ... */
    size_t ncaveats;
    ds_suspect *alternates; /* ranked, strongest first */
    size_t nalternates;
    char *bucket;         /* FAILURE_BUCKET_ID: <class>_<module>!<function|unknown_function>
                             (never NULL when has_verdict) */
    char *faulting_ip;    /* "amdppm!WriteIoMemRawEx+0x70" or NULL */
    /* What the bug-check parameters are (static strings; NULL if unknown). */
    const char *param_role[4];    /* "faulting_address", "irql", ... */
    const char *param_meaning[4]; /* a sentence in our words */
    ds_u64 faulting_address;      /* for access faults */
    const char *access;           /* "read", "write", "execute" or NULL */
    bool live_dump;               /* the code marks a live dump: the system kept running */
    ds_u64 inpage_status;         /* NTSTATUS of a failed in-page read (exception [2]) */
} ds_verdict;

/* ------------------------------------------------------ fault records */

/*
 * The records the bug-check parameters point to, decoded once (analysis
 * stage, through the parameter roles of bugcodes/): the real exception of
 * 0x7E/0x1000007E (P3), the context record (.cxr), the trap frame (.trap) a
 * parameter names or, for page faults at raised IRQL (0xA, 0xD1, 0x50 ...),
 * the one found on the stack. *_param is the 1-based parameter the record
 * came from (unknown for a trap frame found on the stack).
 */
typedef struct ds_fault_records {
    bool has_exception;
    ds_exception exception;
    uint64_t exception_va;
    ds_u64 exception_param;
    bool has_context;
    ds_context context;
    uint64_t context_va;
    ds_u64 context_param;
    bool has_trap;
    ds_context trap;
    uint64_t trap_va;
    ds_u64 trap_param;
} ds_fault_records;

/* ------------------------------------------------------ !analyze facts */

/*
 * The facts WinDbg's !analyze -v names that are not part of the verdict,
 * filled by the analysis stage. Strings are owned by the dump unless said.
 */
typedef struct ds_facts {
    char *process_name;        /* PROCESS_NAME: EPROCESS.ImageFileName ("System") */
    ds_u64 process;            /* VA of that EPROCESS */
    ds_u64 current_irql;       /* CURRENT_IRQL from an irql parameter */
    char *bugcheck_str;        /* BUGCHECK_STR: "AV", "0xD1"; minidumps: the code */
    char *stack_command;       /* STACK_COMMAND: ".cxr 0x...; kb", ".trap 0x...; kb" */
    char *failure_id_hash;     /* FAILURE_ID_HASH: MD5 of FAILURE_BUCKET_ID as a GUID */
    const char *followup_name; /* FOLLOWUP_NAME: a third-party suspect's CompanyName, else
                                  "MachineOwner"; NULL when no suspect. Not owned:
                                  points into the model or is static */
    char *os_name;             /* OSNAME: "Windows 10", "Windows Server 2019", "macOS" */
    char *os_version;          /* OS_VERSION: "10.0.19041.1", "11.6.0 20G165" */
    ds_u64 os_revision;        /* the build's revision (UBR/QFE) */
    const char *os_product;    /* "client", "server", "domain_controller" (static) */
} ds_facts;

/* ----------------------------------------------------------- the model */

typedef struct ds_crash {
    ds_format format;
    const char *dump_kind;    /* "triage", "bitmap_kernel", "minidump", ... (static) */
    ds_arch arch;
    uint32_t machine;         /* IMAGE_FILE_MACHINE_* (an enumeration: 0 unknown) */
    ds_u64 cpus;
    ds_u64 os_major, os_minor, os_build;
    ds_u64 crash_time;        /* FILETIME (100 ns since 1601) */
    ds_u64 uptime;            /* 100 ns units */

    bool has_bugcheck;
    ds_bugcheck bugcheck;
    bool has_exception;
    ds_exception exception;
    bool has_context;
    ds_context context;       /* the crashing CPU / thread */

    ds_module *modules;
    size_t nmodules;
    ds_module *unloaded;
    size_t nunloaded;
    ds_thread *threads;
    size_t nthreads;
    ds_u64 crashing_thread;   /* thread id */

    /* What the dump's kind tells: one of the two groups (the analysis and
     * the reports test these, never the file format) */
    bool has_kernel;          /* a kernel dump (PAGEDUMP / PAGEDU64) */
    ds_kernel_info kernel;
    bool has_mdmp;            /* a user-mode minidump (MDMP) */
    ds_minidump_info mdmp;

    uint64_t file_size;
    bool compressed;          /* read through gzip */
    char *file_in_cab;        /* member name when read from a .cab, else NULL */
    const char *compression;  /* "gzip", "mszip" (a cabinet member), NULL: none */
    ds_symbol_lookup *symbol_lookups; /* in the order they were made */
    size_t nsymbol_lookups;
    ds_note *notes;
    size_t nnotes;
    bool damaged;             /* any DS_DAMAGE note */

    ds_stack *stacks;         /* filled by the unwind stage */
    size_t nstacks;
    bool has_verdict;         /* the analysis stage ran */
    ds_verdict verdict;
    ds_fault_records records; /* filled by the analysis stage (stacks) */
    ds_facts facts;           /* filled by the analysis stage (after the verdict) */
} ds_crash;

/* --------------------------------------------------------------- opening */

typedef struct ds_dump ds_dump;

/*
 * How to open a dump. The struct can grow without breaking programs built
 * against an older header: the caller sets .size to sizeof(ds_open_options)
 * as its header knows it (DS_OPEN_OPTIONS_INIT does that), and the library
 * reads only the members that size covers, taking the default for the rest.
 * A larger size (a newer header) is accepted too, the members this library
 * does not know being ignored. size 0, or a NULL pointer, means all defaults
 * (the zero value of each member below is its default).
 *
 *     ds_open_options o = {DS_OPEN_OPTIONS_INIT, .no_symbols = true};
 *
 * The caller owns the struct and what it points to; the library reads them
 * during the call only and keeps no pointer into them.
 *
 * Adding a member: append it, starting at or past the previous version's
 * sizeof (add explicit padding if needed), so that an old caller's size,
 * padding included, never covers it.
 */
typedef struct ds_open_options {
    size_t size;           /* sizeof(ds_open_options) of the caller; 0: all defaults */
    /* Upper bound on modules read from a loader list (default 4096). */
    uint32_t max_modules;
    /*
     * Symbol path: entries separated by ';' (also ':' between POSIX paths),
     * each a symbol store (name.pdb/GUIDAGE/name.pdb, two-tier with
     * index2.txt) or a flat folder; "srv*CACHE*https://...", "srv*URL",
     * "symsrv*DLL*CACHE*URL" and "cache*DIR" as in WinDbg: local folders are
     * searched first, then the http(s) servers, downloading into CACHE.
     * NULL: $DUMPSCAN_SYMBOL_PATH, then $_NT_SYMBOL_PATH.
     */
    const char *symbol_path;
    bool no_symbols;       /* do not look at any symbol path */
    bool no_unwind;        /* skip the stack walk */
    bool all_threads;      /* minidumps: walk every thread, not only the crashing one */
    bool offline;          /* never download, even for srv*...*https:// entries */
} ds_open_options;

/* The first member of every ds_open_options initializer. */
#define DS_OPEN_OPTIONS_INIT .size = sizeof(ds_open_options)

/*
 * A session: what every dump opened with the same options shares, built
 * once — the options themselves (copied, symbol_path included), the blame
 * rules, exception and bug-check knowledge, the list of Windows inbox
 * modules, and the symbol path parsed into its stores and servers (with
 * $DUMPSCAN_SYMBOL_PATH / $_NT_SYMBOL_PATH read at creation when
 * symbol_path is NULL). A batch makes one and opens every dump with it.
 *
 * Ownership: the caller frees it with ds_session_free. A ds_dump does not
 * refer to its session once opened, so the session may be freed while dumps
 * opened with it are still in use.
 * Thread-safety: a session is never modified after ds_session_new returns;
 * any number of threads may call ds_open_with / ds_open_memory_with on the
 * same session at the same time. ds_session_free must not race with them.
 * NULL with err (DS_E_NOMEM) only when out of memory; opt as for ds_open.
 */
typedef struct ds_session ds_session;
DS_API ds_session *ds_session_new(const ds_open_options *opt, ds_error *err);
DS_API void ds_session_free(ds_session *s); /* NULL is a no-op */

/*
 * Open a dump file (optionally gzip-compressed; "archive.cab" or
 * "archive.cab:MEMBER" for a cabinet) with a session's options and shared
 * knowledge. Returns NULL with err filled only when nothing at all can be
 * read (not a dump, unreadable file: err->code says which). A damaged dump
 * opens and carries notes instead. err may be NULL. The caller owns the
 * ds_dump and closes it with ds_close.
 */
DS_API ds_dump *ds_open_with(const ds_session *s, const char *path, ds_error *err);

/* Same over a caller-owned buffer, which must stay unchanged and alive until
 * ds_close (the dump reads from it, never copies it whole). */
DS_API ds_dump *ds_open_memory_with(const ds_session *s, const void *data, size_t size,
                                    ds_error *err);

/*
 * ds_open_with / ds_open_memory_with with a session of their own for this
 * one dump (built and freed inside: for a single dump; a batch should share
 * one session). opt may be NULL (all defaults).
 */
DS_API ds_dump *ds_open(const char *path, const ds_open_options *opt, ds_error *err);
DS_API ds_dump *ds_open_memory(const void *data, size_t size, const ds_open_options *opt,
                        ds_error *err);

/*
 * Frees the dump and everything it handed out (the ds_crash, its strings and
 * arrays). NULL is a no-op. Thread-safety of a ds_dump: it is not modified
 * by the read-only calls below, but use one ds_dump from one thread at a
 * time (different dumps in different threads at once are fine).
 */
DS_API void ds_close(ds_dump *d);

/* The path given to ds_open (owned by d, valid until ds_close), or NULL for
 * a dump opened with ds_open_memory. */
DS_API const char *ds_dump_path(const ds_dump *d);
DS_API const ds_crash *ds_dump_crash(const ds_dump *d);

/*
 * Read virtual memory of the crashed system. Copies at most len bytes from va
 * and returns how many contiguous bytes from va were present in the dump (0 if
 * the first byte is not). Never reads past what the file holds.
 */
DS_API size_t ds_read(const ds_dump *d, uint64_t va, void *buf, size_t len);

/* Physical memory of kernel dumps (0 for formats without it). */
DS_API size_t ds_read_physical(const ds_dump *d, uint64_t pa, void *buf, size_t len);

/* Identify a file by its first bytes: returns a format, or UNKNOWN. */
DS_API ds_format ds_detect(const void *head, size_t len, bool *gzip);

/* ------------------------------------------------------------- reporting */

/*
 * The facts as one JSON document (UTF-8, NUL-terminated). Caller frees with
 * ds_free(). Returns NULL on allocation failure.
 */
enum { DS_JSON_PRETTY = 1 };
DS_API char *ds_report_json(const ds_dump *d, unsigned flags);

/* The text report, same ownership rules. */
enum { DS_TEXT_VERBOSE = 1 };
DS_API char *ds_report_text(const ds_dump *d, unsigned flags);

DS_API void ds_free(void *p);

/* The version of the library actually loaded ("0.2.0"), which can differ from
 * DS_VERSION_STRING when a program runs against a newer shared library. */
DS_API const char *ds_version(void);

/* ---------------------------------------------------------- batch triage */

/*
 * One line of a batch report: the few facts of one dump that a fleet table
 * needs, copied out of the crash model so the dump can be closed at once
 * (ds_row_from_dump) — or the reason a file could not be read (ds_row_failed).
 * Every string is owned by the row (NULL when unknown); ds_row_free frees it.
 * A row does not refer to the dump it came from. Read-only functions on rows
 * (const ds_row *) may run on the same row from several threads at once.
 */
typedef struct ds_row {
    char *path;             /* as given */
    bool failed;            /* true: only path, error and the file facts are set */
    char *error;            /* why the file could not be read (failed rows) */
    ds_u64 file_size;       /* bytes on disk (unknown: a failed file stat(2) refused) */
    ds_i64 mtime;           /* file modification time, Unix seconds */
    /* what the dump is */
    ds_format format;
    const char *dump_kind;  /* static: "triage", "minidump", ... */
    ds_u64 dump_type;       /* kernel DumpType */
    ds_arch arch;
    ds_u64 cpus;
    ds_u64 os_major, os_minor, os_build;
    ds_u64 kernel_major;    /* kernel header MajorVersion (0xF free build) */
    ds_u64 kernel_minor;    /* kernel header MinorVersion (the build number) */
    ds_u64 crash_time;      /* FILETIME */
    bool compressed, damaged;
    /* the bug check, or for minidumps the exception */
    bool has_code;
    bool code_is_exception; /* minidump: code/params are the exception's */
    uint32_t code;
    uint64_t params[4];
    bool has_verdict;       /* the analysis stage ran: title..bucket below are its */
    char *title;            /* verdict title ("IRQL_NOT_LESS_OR_EQUAL"), NULL before analysis */
    /* where and who */
    bool has_pc;
    uint64_t pc;            /* crashing context pc ... */
    char *pc_module;        /* ... inside this module (NULL: outside every module, or
                               in one whose name is unknown) */
    ds_u64 pc_offset;       /* ... at this offset (known when the pc is in a module) */
    bool has_suspect;       /* the verdict names a suspect (suspect_* below) */
    char *suspect_module;   /* its module's name; NULL: unknown (see ds_row_suspect_label) */
    char *suspect_function;
    uint64_t suspect_function_offset; /* of suspect_function */
    ds_u64 suspect_offset;  /* offset in the suspect of its first frame (or of the pc) */
    char *file_version, *product_name, *company_name, *file_description; /* suspect's */
    /* 32-bit dumps: frames 1..3 of the crash stack (BlueScreenView's "Stack Address") */
    char *stack_module[3];  /* NULL: no such frame, outside every module, or its name
                               unknown */
    ds_u64 stack_offset[3]; /* the frame's offset in its module */
    ds_confidence confidence;
    char *crash_class;      /* verdict class, NULL before analysis */
    char *bucket;           /* FAILURE_BUCKET_ID, NULL before analysis */
    char *in_cab;           /* read from a cabinet: the member's name (path is
                               "cabinet:member"); NULL otherwise */
} ds_row;

/*
 * The row of an opened dump. path is what the row shows (NULL: the path given
 * to ds_open); when it names a file, its size and mtime come from stat(2).
 * NULL on allocation failure.
 */
DS_API ds_row *ds_row_from_dump(const ds_dump *d, const char *path);
/* The row of a file that could not be read, with the reason. */
/* in_cab: the member's name when path is "cabinet:member" (copied), else NULL. */
DS_API ds_row *ds_row_failed(const char *path, const char *in_cab, const char *error);
/* The suspect as tables and summaries show it: its module's name,
 * "(unnamed module)" when the dump does not hold the name, NULL when no
 * suspect is named. Static or borrowed from r. */
DS_API const char *ds_row_suspect_label(const ds_row *r);
/* A cabinet member's row (path "CABINET:MEMBER", in_cab MEMBER): the length of
 * CABINET, the file the row was read from; 0 for any other row. */
DS_API size_t ds_row_cabinet_len(const ds_row *r);
DS_API void ds_row_free(ds_row *r);

/*
 * The row as one JSON object (DS_JSON_PRETTY or compact): schema_version,
 * tool, file {path, size, mtime}, status ("ok" / "failed"), error, and the
 * row's facts. Batch JSONL output writes it for files that could not be read.
 * ds_free; NULL on OOM.
 */
DS_API char *ds_row_json(const ds_row *r, unsigned flags);
/*
 * The row back from one line of batch JSONL output: a --json report (the
 * facts the report holds; not the file's mtime) or a ds_row_json object of a
 * failed file. NULL with err for anything else. Used to merge shards.
 */
DS_API ds_row *ds_row_from_json(const char *line, ds_error *err);

/* Orders for ds_row_compare; ties are broken by path. */
typedef enum ds_row_sort {
    DS_SORT_TIME = 0,  /* crash time; unknown times last */
    DS_SORT_PATH,
    DS_SORT_MTIME,     /* file modification time */
    DS_SORT_SIZE,
    DS_SORT_BUGCHECK,  /* code, then title */
    DS_SORT_MODULE,    /* suspect module; none last */
    DS_SORT_BUCKET
} ds_row_sort;
/* "time", "path", ... -> 0 and *out, or -1 for an unknown name. */
DS_API int ds_row_sort_parse(const char *name, ds_row_sort *out);
DS_API int ds_row_compare(const ds_row *a, const ds_row *b, ds_row_sort key);

/*
 * CSV (RFC 4180: fields quoted when they hold a comma, quote or line break;
 * lines end in CRLF). ds_row_csv: dumpscan's columns (dumpscan(1), BATCH);
 * ds_row_bsv: the 26 columns of BlueScreenView's /scomma export, in its order
 * and value conventions. Each returns one line with its CRLF (ds_free), NULL
 * on OOM. The header functions return a static line with its CRLF.
 */
DS_API char *ds_row_csv(const ds_row *r);
DS_API const char *ds_row_csv_header(void);
DS_API char *ds_row_bsv(const ds_row *r);
DS_API const char *ds_row_bsv_header(void);
enum { DS_CSV_COLUMNS = 26, DS_BSV_COLUMNS = 26 };

/*
 * The terminal table of rows in the given order: file, crash time, bug-check
 * code and name, suspect, confidence, bucket, fitted to width columns (long
 * cells are shortened with "~"). ds_free; NULL on OOM.
 */
DS_API char *ds_rows_table(const ds_row *const *rows, size_t n, unsigned width);

/*
 * Text from outside (a file name, an error that quotes one) made safe for a
 * terminal with the escapes of the text report: "\n", "\r", "\t", "\\" and
 * "\xHH" for other control characters, bidirectional controls and bytes that
 * are not UTF-8 (dumpscan(1), BATCH). ds_free; NULL for NULL or on OOM.
 * Thread-safe.
 */
DS_API char *ds_display_text(const char *s);

/*
 * The fleet page: one self-contained HTML document (inline CSS and SVG, no
 * script, nothing fetched) with the buckets, suspects, crashes per day of the
 * top buckets, bug checks, suspect drivers by version, new buckets (first
 * crash at or after since; default the last 7 days of the data) and a table
 * of every row in the given order. machines[i] names row i's machine (or
 * machines is NULL). Every string from a dump is HTML-escaped. ds_free.
 */
typedef struct ds_html_options {
    const char *title;   /* NULL: "dumpscan crash report" */
    ds_i64 since;        /* Unix seconds; unknown: the last 7 days of the data */
} ds_html_options;
DS_API char *ds_rows_html(const ds_row *const *rows, const char *const *machines, size_t n,
                   const ds_html_options *o);

/*
 * Grouped summary of a batch: per suspect module, per bucket and per bug
 * check, the count, the share of all analyzed dumps, the first and last crash
 * time and the machines (a machine is the directory a dump was found in, as
 * fleets are collected one Minidump folder per machine). Memory grows with the
 * number of distinct groups and directories and of failed files, not with the
 * number of dumps added. One thread at a time (the batch adds rows under a lock).
 */
typedef struct ds_summary ds_summary;
DS_API ds_summary *ds_summary_new(void);
/* Count a row (failed rows count as failed). -1 on OOM. Rows with in_cab
 * count their cabinet as one file seen, however many dumps it holds. */
DS_API int ds_summary_add(ds_summary *s, const ds_row *r);
/* Files that were looked at and were not dumps. */
DS_API void ds_summary_skipped(ds_summary *s, uint64_t n);
/* The rows come from a crash database, not from an analysis: the text says
 * "N files in the database" instead of "N files seen: N analyzed". */
DS_API void ds_summary_from_database(ds_summary *s);
/* Count a row under a named machine instead of its folder (NULL: the folder). */
DS_API int ds_summary_add_as(ds_summary *s, const ds_row *r, const char *machine);
/* Count only crashes at or after since (Unix seconds; call before adding): the
 * text and JSON then say how many were left out and list the new buckets,
 * those whose first crash among all rows added is at or after since. */
DS_API void ds_summary_since(ds_summary *s, int64_t since);
/* Text and JSON (one object; DS_JSON_PRETTY) renderings. ds_free; NULL on OOM. */
DS_API char *ds_summary_text(const ds_summary *s);
DS_API char *ds_summary_json(const ds_summary *s, unsigned flags);
DS_API void ds_summary_free(ds_summary *s);

/*
 * Identify a file by its first bytes without opening it as a dump; for gzip
 * files, by the first inflated bytes. 0 with *fmt set (DS_FORMAT_UNKNOWN: not
 * a dump) and *gzip; -1 with err when the file cannot be read.
 */
DS_API int ds_detect_file(const char *path, ds_format *fmt, bool *gzip, ds_error *err);

/*
 * Cabinets (.cab, signature "MSCF", e.g. Windows Error Reporting archives):
 * the names of the members that are dumps, in archive order, as a new array
 * (free with ds_free_names). Returns their number (0 also for a file that is
 * not a cabinet), or -1 with err when the file or the cabinet is unreadable. ds_open() and ds_detect_file() take
 * "archive.cab:MEMBER" for one of them; ds_open("archive.cab") opens the
 * first. Only the blocks a read needs are decoded; nothing goes to disk.
 */
DS_API long ds_cab_dumps(const char *path, char ***names, ds_error *err);
DS_API void ds_free_names(char **names, size_t n);

/*
 * Paths of any length. open(2) and stat(2) refuse a path longer than the
 * system's PATH_MAX (ENAMETOOLONG) although the file is there; these then
 * open the longest start of the path that fits and the rest one directory at
 * a time with openat(2)/fstatat(2), following symbolic links as open and stat
 * do. Every file dumpscan opens goes through them, so a dump in a tree deeper
 * than PATH_MAX opens like any other. ds_path_open returns a descriptor the
 * caller owns and closes (flags as for open; O_CREAT is not meant for it), or
 * -1 with errno; ds_path_stat returns 0 or -1 with errno.
 */
DS_API int ds_path_open(const char *path, int flags);
DS_API int ds_path_stat(const char *path, struct stat *st);

/* ------------------------------------------------------ crash database */

/*
 * Version of the analysis (verdict, bucket, suspect logic). Raised whenever
 * the same dump can get a different row; a crash database analyzes again the
 * dumps an older version stored.
 */
/* 2: verdicts from the knowledge data and rules landed after the database
 * (access types, blame rules). Raise it in the same commit as any change to
 * bugcodes/, symbols/ or src/analysis/ that changes a row (HACKING.md).
 * 3: 0x1A8 black screen live dumps blame no driver.
 * 4: rows say "unknown" with ds_u64.known instead of 0 (cpus, DumpType, OS
 *    and kernel versions): rows stored by 3 are made again.
 * 5: stack walks run a stopped frame's epilog forward and read code bytes
 *    from the dump: more frames are trusted, which blame weighs.
 * 6: the thread that wrote a Breakpad minidump is not walked (--all-threads
 *    rows lose the writer's stale frames).
 * 7: a suspect whose module has no name is NULL (not ""), never merged with
 *    another unnamed one; Breakpad's 0.0.0 OS version and PAGE-filled kernel
 *    header versions are unknown. */
#define DS_ANALYSIS_VERSION 7

/*
 * The crash database (SQLite, WAL mode): every dump stored with its row,
 * machine, crash time and identity (size + hash of its first 64 KiB, and each
 * path with its size and mtime). dumpscan(1) section DATABASE documents it.
 * Writes go inside ds_db_begin/ds_db_commit. Functions return 0 (or the
 * documented count) and -1 with err on failure. A ds_db is one connection with
 * its prepared statements: one thread at a time (several processes, each with
 * its own ds_db, may share the file). ds_db_each's entry (row excepted, see
 * below) and its strings are valid only during the callback.
 */
typedef struct ds_db ds_db;
/* Open or create, migrating an older schema forward; NULL with err. */
DS_API ds_db *ds_db_open(const char *path, ds_error *err);
/* Open an existing database to read: no lock, no write unless its schema is
 * older (then it is migrated once); NULL with err. */
DS_API ds_db *ds_db_open_read(const char *path, ds_error *err);
DS_API void ds_db_close(ds_db *db);
DS_API int ds_db_schema_version(const ds_db *db);
DS_API int ds_db_begin(ds_db *db, ds_error *err);
DS_API int ds_db_commit(ds_db *db, ds_error *err);
DS_API void ds_db_rollback(ds_db *db);

enum { DS_HEAD_HASH_LEN = 32 };
/* Hex hash of the first 64 KiB of a file (its content identity with its size). */
DS_API int ds_file_head_hash(const char *path, char hash[DS_HEAD_HASH_LEN + 1], ds_error *err);

enum { DS_DB_WANT_REPORT = 1 }; /* a hit needs the stored --json report too */
/*
 * A stored dump for this file, analyzed by the current DS_ANALYSIS_VERSION:
 * by path, size and mtime when head_hash is NULL, else by size and content
 * (then the path is recorded as another name of that dump, from machine). 1 with *row (its
 * path set to path) and, when asked, *report (free); 0 none; -1 error.
 */
DS_API int ds_db_find(ds_db *db, const char *path, uint64_t size, int64_t mtime,
               const char *head_hash, const char *machine, unsigned flags, ds_row **row,
               char **report);
/* Store (or replace) the analysis of a dump and its file name; report may be
 * NULL. A cabinet's member (row->in_cab) is stored under its cabinet's size
 * and mtime, as ds_db_find is then asked. 0; 1 when this row alone cannot be
 * stored (err says why; the database is fine); -1 when the database failed. */
DS_API int ds_db_store(ds_db *db, const ds_row *row, const char *head_hash, int64_t mtime,
                const char *machine, const char *report, ds_error *err);

/* Every stored dump, in the order recorded. fn returns non-zero to stop (-1
 * OOM); it may keep the row by setting e->row to NULL (then ds_row_free it). */
typedef struct ds_db_entry {
    ds_row *row;
    const char *machine;
    const char *report;  /* the stored --json report, or NULL */
    int64_t recorded;    /* when first stored, Unix seconds */
} ds_db_entry;
typedef int (*ds_db_row_fn)(void *ctx, ds_db_entry *e);
DS_API int ds_db_each(ds_db *db, ds_db_row_fn fn, void *ctx, ds_error *err);
/* Merge another database (a shard's) into this one. */
DS_API int ds_db_import(ds_db *db, const char *other, ds_error *err);

/*
 * Machine rules: which machine a dump came from, from its path. "top" (the
 * first folder below the folder walked; else the file's folder), "parent"
 * (the file's folder), "component:N" (the Nth folder of the path, 1 the
 * first, -1 the last), "regex:ERE" (the first group of the first match, or
 * the match). ds_machine_name never fails but on OOM (NULL); "." if nothing;
 * the name is the caller's (ds_free). A parsed rule is never modified:
 * ds_machine_name may run on one rule from several threads at once.
 */
typedef struct ds_machine_rule ds_machine_rule;
DS_API ds_machine_rule *ds_machine_rule_parse(const char *spec, ds_error *err);
DS_API void ds_machine_rule_free(ds_machine_rule *m);
DS_API char *ds_machine_name(const ds_machine_rule *m, const char *path, const char *root);

/* ------------------------------------------------------------- lookups */

DS_API const char *ds_arch_name(ds_arch a);
DS_API const char *ds_confidence_name(ds_confidence c); /* "none", "low", "medium", "high" */
DS_API const char *ds_dump_type_name(uint32_t dump_type); /* "triage", ... or "unknown" */
/* WinDbg-style module label: base name without extension, the kernel as
 * "nt" and the HAL as "hal" ("amdppm" for amdppm.sys). */
DS_API void ds_module_label(const ds_module *m, char *out, size_t len);
/* A CodeView identity as symbol stores spell it: the RSDS GUID (or NB10
 * signature) in upper-case hex, then the age in hex when with_age. */
DS_API void ds_codeview_id(const ds_codeview *cv, bool with_age, char *out, size_t len);
/* The loaded module an index names (ds_frame.module, ds_suspect.module), or
 * NULL when the index is unknown or out of range. */
DS_API const ds_module *ds_crash_module(const ds_crash *c, ds_u64 index);
/* Module containing va, or NULL. Loaded modules only. */
DS_API const ds_module *ds_module_at(const ds_crash *c, uint64_t va);
/* Frames of s up to the last one found by something better than a plain
 * (unvalidated) stack scan: what the first screen shows. */
DS_API size_t ds_stack_trusted_frames(const ds_stack *s);
/* FILETIME to "YYYY-MM-DD HH:MM:SS" UTC in buf (>= 20 bytes). */
DS_API void ds_format_filetime(uint64_t ft, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
