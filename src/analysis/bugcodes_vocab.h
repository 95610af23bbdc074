/*
 * The two fixed vocabularies of the bug-check knowledge base (bugcodes/):
 * parameter roles and crash classes. One X-macro list each, shared by the
 * library (src/analysis/bugcodes.h) and the build-time generator
 * (tools/bugcodes_gen.c), so the data files, the generated table and the
 * runtime names can never disagree. bugcodes/README.md documents each entry;
 * keep it in step when adding one (append only, so numeric values are stable).
 *
 * X(IDENT, "name used in the data files")
 */
#ifndef DS_ANALYSIS_BUGCODES_VOCAB_H
#define DS_ANALYSIS_BUGCODES_VOCAB_H

#define DS_PARAM_ROLE_LIST(X)                                                       \
    X(UNKNOWN, "unknown")                   /* meaning not documented, or varies */ \
    X(RESERVED, "reserved")                 /* unused, reserved or always zero */   \
    X(SUBCODE, "subcode")                   /* selects a sub-case (see case:) */    \
    X(FAULTING_ADDRESS, "faulting_address") /* VA whose access failed */            \
    X(FAULTING_IP, "faulting_ip")           /* instruction that faulted */          \
    X(CODE_ADDRESS, "code_address")         /* other code: routine, caller */       \
    X(ACCESS_TYPE, "access_type")           /* read/write/execute indicator */      \
    X(IRQL, "irql")                         /* an interrupt request level */        \
    X(EXCEPTION_CODE, "exception_code")     /* NTSTATUS exception code */           \
    X(EXCEPTION_RECORD, "exception_record") /* -> EXCEPTION_RECORD */               \
    X(CONTEXT_RECORD, "context_record")     /* -> CONTEXT */                        \
    X(TRAP_FRAME, "trap_frame")             /* -> KTRAP_FRAME */                    \
    X(DRIVER_NAME_PTR, "driver_name_ptr")   /* -> UNICODE_STRING naming a driver */ \
    X(DRIVER_BASE, "driver_base")           /* base address of a driver image */    \
    X(DRIVER_OBJECT, "driver_object")       /* -> DRIVER_OBJECT */                  \
    X(DEVICE_OBJECT, "device_object")       /* -> DEVICE_OBJECT */                  \
    X(IRP, "irp")                           /* -> IRP */                            \
    X(POOL_ADDRESS, "pool_address")         /* pool block or pool header address */ \
    X(POOL_TAG, "pool_tag")                 /* four-character pool tag */           \
    X(POOL_TYPE, "pool_type")               /* POOL_TYPE value */                   \
    X(SIZE, "size")                         /* a length in bytes */                 \
    X(COUNT, "count")                       /* a count of items or references */    \
    X(PROCESS, "process")                   /* -> EPROCESS */                       \
    X(THREAD, "thread")                     /* -> ETHREAD / KTHREAD */              \
    X(OBJECT, "object")                     /* -> another kernel object/struct */   \
    X(LOCK, "lock")                         /* -> spin lock, resource, mutex */     \
    X(TIMEOUT, "timeout")                   /* a time limit or elapsed time */      \
    X(STATUS, "status")                     /* NTSTATUS or other error code */      \
    X(PTE, "pte")                           /* PTE address or PTE contents */       \
    X(PFN, "pfn")                           /* physical page frame number */        \
    X(PHYSICAL_ADDRESS, "physical_address") /* a physical address */                \
    X(PROCESSOR, "processor")               /* a processor index */                 \
    X(WHEA_RECORD, "whea_record")           /* -> WHEA_ERROR_RECORD */              \
    X(ADDRESS, "address")                   /* -> other data, no finer role */      \
    X(VALUE, "value")                       /* a number: flags, id, expected... */

#define DS_CRASH_CLASS_LIST(X)                    \
    X(UNKNOWN, "unknown")                         \
    X(DRIVER_FAULT, "driver_fault")               \
    X(MEMORY_CORRUPTION, "memory_corruption")     \
    X(HARDWARE, "hardware")                       \
    X(MANUAL, "manual")                           \
    X(POWER, "power")                             \
    X(HANG_WATCHDOG, "hang_watchdog")             \
    X(FILE_SYSTEM, "file_system")                 \
    X(INTEGRITY_SECURITY, "integrity_security")   \
    X(BOOT, "boot")                               \
    X(RESOURCE_EXHAUSTION, "resource_exhaustion") \
    X(SYSTEM_PROCESS, "system_process")

#endif
