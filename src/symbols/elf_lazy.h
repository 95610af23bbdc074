/*
 * The libelf and libdwarf calls the ELF symbol reader (elf.c, elf_lines.c)
 * makes, through the libraries loaded on first use (io/lazylib.h): only
 * Linux minidumps with ELF files on the symbol path need them, and linking
 * them made every run pay their relocations at start-up (bench/startup.sh).
 *
 * elf_priv.h includes this after the libraries' own headers (their types,
 * constants and macros stay as they are); elf.c and elf_lines.c call
 * ds_elflibs->NAME for each elf_*, gelf_* and dwarf_* NAME. ds_elflibs_load()
 * must have succeeded before any of them runs (ds_elfsym_open checks it
 * first; every other call needs the ds_elfsym it returned).
 *
 * The prototypes are those of Debian 12's libelf 0.188 and libdwarf
 * 20210528 (libdwarf.so.1).
 */
#ifndef DS_SYMBOLS_ELF_LAZY_H
#define DS_SYMBOLS_ELF_LAZY_H

#include <gelf.h>
#include <libelf.h>

#include <libdwarf.h>

#include <stdbool.h>

#ifndef DS_LIBELF_SONAME /* the build passes the SONAMEs it found */
#define DS_LIBELF_SONAME "libelf.so.1"
#endif
#ifndef DS_LIBDWARF_SONAME
#define DS_LIBDWARF_SONAME "libdwarf.so.1"
#endif

#define DS_LIBELF_CALLS(X)                                                                  \
    X(unsigned int, elf_version, (unsigned int))                                            \
    X(Elf *, elf_memory, (char *, size_t))                                                  \
    X(Elf_Kind, elf_kind, (Elf *))                                                          \
    X(int, elf_end, (Elf *))                                                                \
    X(Elf_Scn *, elf_nextscn, (Elf *, Elf_Scn *))                                           \
    X(Elf_Data *, elf_getdata, (Elf_Scn *, Elf_Data *))                                     \
    X(Elf_Data *, elf_getdata_rawchunk, (Elf *, int64_t, size_t, Elf_Type))                 \
    X(int, elf_getphdrnum, (Elf *, size_t *))                                               \
    X(int, elf_getshdrnum, (Elf *, size_t *))                                               \
    X(int, elf_getshdrstrndx, (Elf *, size_t *))                                            \
    X(char *, elf_strptr, (Elf *, size_t, size_t))                                          \
    X(int, elf_compress, (Elf_Scn *, int, unsigned int))                                    \
    X(size_t, gelf_fsize, (Elf *, Elf_Type, size_t, unsigned int))                          \
    X(GElf_Ehdr *, gelf_getehdr, (Elf *, GElf_Ehdr *))                                      \
    X(GElf_Shdr *, gelf_getshdr, (Elf_Scn *, GElf_Shdr *))                                  \
    X(GElf_Phdr *, gelf_getphdr, (Elf *, int, GElf_Phdr *))                                 \
    X(GElf_Chdr *, gelf_getchdr, (Elf_Scn *, GElf_Chdr *))                                  \
    X(GElf_Sym *, gelf_getsym, (Elf_Data *, int, GElf_Sym *))                               \
    X(size_t, gelf_getnote, (Elf_Data *, size_t, GElf_Nhdr *, size_t *, size_t *))

#define DS_LIBDWARF_CALLS(X)                                                                \
    X(int, dwarf_init_b, (int, Dwarf_Unsigned, unsigned int, Dwarf_Handler, Dwarf_Ptr,      \
                          Dwarf_Debug *, Dwarf_Error *))                                    \
    X(int, dwarf_finish, (Dwarf_Debug, Dwarf_Error *))                                      \
    X(void, dwarf_dealloc, (Dwarf_Debug, void *, Dwarf_Unsigned))                           \
    X(void, dwarf_dealloc_error, (Dwarf_Debug, Dwarf_Error))                                \
    X(void, dwarf_dealloc_die, (Dwarf_Die))                                                 \
    X(void, dwarf_dealloc_attribute, (Dwarf_Attribute))                                     \
    /* call frames (elf.c) */                                                               \
    X(int, dwarf_get_fde_list, (Dwarf_Debug, Dwarf_Cie **, Dwarf_Signed *, Dwarf_Fde **,    \
                                Dwarf_Signed *, Dwarf_Error *))                             \
    X(int, dwarf_get_fde_list_eh, (Dwarf_Debug, Dwarf_Cie **, Dwarf_Signed *, Dwarf_Fde **, \
                                   Dwarf_Signed *, Dwarf_Error *))                          \
    X(void, dwarf_fde_cie_list_dealloc, (Dwarf_Debug, Dwarf_Cie *, Dwarf_Signed,           \
                                         Dwarf_Fde *, Dwarf_Signed))                        \
    X(int, dwarf_get_fde_at_pc, (Dwarf_Fde *, Dwarf_Addr, Dwarf_Fde *, Dwarf_Addr *,       \
                                 Dwarf_Addr *, Dwarf_Error *))                              \
    X(int, dwarf_get_fde_info_for_all_regs3, (Dwarf_Fde, Dwarf_Addr, Dwarf_Regtable3 *,    \
                                              Dwarf_Addr *, Dwarf_Error *))                 \
    X(Dwarf_Half, dwarf_set_frame_rule_table_size, (Dwarf_Debug, Dwarf_Half))               \
    X(Dwarf_Half, dwarf_set_frame_rule_initial_value, (Dwarf_Debug, Dwarf_Half))            \
    X(Dwarf_Half, dwarf_set_frame_cfa_value, (Dwarf_Debug, Dwarf_Half))                     \
    X(Dwarf_Half, dwarf_set_frame_same_value, (Dwarf_Debug, Dwarf_Half))                    \
    X(Dwarf_Half, dwarf_set_frame_undefined_value, (Dwarf_Debug, Dwarf_Half))               \
    /* units, DIEs and attributes (elf_lines.c) */                                          \
    X(int, dwarf_next_cu_header_d, (Dwarf_Debug, Dwarf_Bool, Dwarf_Unsigned *, Dwarf_Half *, \
                                    Dwarf_Off *, Dwarf_Half *, Dwarf_Half *, Dwarf_Half *,  \
                                    Dwarf_Sig8 *, Dwarf_Unsigned *, Dwarf_Unsigned *,       \
                                    Dwarf_Half *, Dwarf_Error *))                           \
    X(int, dwarf_siblingof_b, (Dwarf_Debug, Dwarf_Die, Dwarf_Bool, Dwarf_Die *,             \
                               Dwarf_Error *))                                              \
    X(int, dwarf_child, (Dwarf_Die, Dwarf_Die *, Dwarf_Error *))                            \
    X(int, dwarf_offdie_b, (Dwarf_Debug, Dwarf_Off, Dwarf_Bool, Dwarf_Die *, Dwarf_Error *)) \
    X(int, dwarf_dieoffset, (Dwarf_Die, Dwarf_Off *, Dwarf_Error *))                        \
    X(int, dwarf_tag, (Dwarf_Die, Dwarf_Half *, Dwarf_Error *))                             \
    X(int, dwarf_diename, (Dwarf_Die, char **, Dwarf_Error *))                              \
    X(int, dwarf_attr, (Dwarf_Die, Dwarf_Half, Dwarf_Attribute *, Dwarf_Error *))           \
    X(int, dwarf_whatform, (Dwarf_Attribute, Dwarf_Half *, Dwarf_Error *))                  \
    X(int, dwarf_formudata, (Dwarf_Attribute, Dwarf_Unsigned *, Dwarf_Error *))             \
    X(int, dwarf_formsdata, (Dwarf_Attribute, Dwarf_Signed *, Dwarf_Error *))               \
    X(int, dwarf_global_formref, (Dwarf_Attribute, Dwarf_Off *, Dwarf_Error *))             \
    X(int, dwarf_lowpc, (Dwarf_Die, Dwarf_Addr *, Dwarf_Error *))                           \
    X(int, dwarf_highpc_b, (Dwarf_Die, Dwarf_Addr *, Dwarf_Half *, enum Dwarf_Form_Class *, \
                            Dwarf_Error *))                                                 \
    X(int, dwarf_get_ranges_b, (Dwarf_Debug, Dwarf_Off, Dwarf_Die, Dwarf_Off *,             \
                                Dwarf_Ranges **, Dwarf_Signed *, Dwarf_Unsigned *,          \
                                Dwarf_Error *))                                             \
    X(void, dwarf_ranges_dealloc, (Dwarf_Debug, Dwarf_Ranges *, Dwarf_Signed))              \
    X(int, dwarf_rnglists_get_rle_head, (Dwarf_Attribute, Dwarf_Half, Dwarf_Unsigned,       \
                                         Dwarf_Rnglists_Head *, Dwarf_Unsigned *,           \
                                         Dwarf_Unsigned *, Dwarf_Error *))                  \
    X(int, dwarf_get_rnglists_entry_fields_a, (Dwarf_Rnglists_Head, Dwarf_Unsigned,         \
                                               unsigned *, unsigned *, Dwarf_Unsigned *,    \
                                               Dwarf_Unsigned *, Dwarf_Bool *,              \
                                               Dwarf_Unsigned *, Dwarf_Unsigned *,          \
                                               Dwarf_Error *))                              \
    X(int, dwarf_dealloc_rnglists_head, (Dwarf_Rnglists_Head))                              \
    /* line tables (elf_lines.c) */                                                         \
    X(int, dwarf_srclines_b, (Dwarf_Die, Dwarf_Unsigned *, Dwarf_Small *,                   \
                              Dwarf_Line_Context *, Dwarf_Error *))                         \
    X(int, dwarf_srclines_from_linecontext, (Dwarf_Line_Context, Dwarf_Line **,             \
                                             Dwarf_Signed *, Dwarf_Error *))                \
    X(void, dwarf_srclines_dealloc_b, (Dwarf_Line_Context))                                 \
    X(int, dwarf_srcfiles, (Dwarf_Die, char ***, Dwarf_Signed *, Dwarf_Error *))            \
    X(int, dwarf_lineaddr, (Dwarf_Line, Dwarf_Addr *, Dwarf_Error *))                       \
    X(int, dwarf_lineno, (Dwarf_Line, Dwarf_Unsigned *, Dwarf_Error *))                     \
    X(int, dwarf_line_srcfileno, (Dwarf_Line, Dwarf_Unsigned *, Dwarf_Error *))             \
    X(int, dwarf_lineendsequence, (Dwarf_Line, Dwarf_Bool *, Dwarf_Error *))

#define DS_ELFLIBS_FIELD(ret, name, args) ret(*name) args;
typedef struct ds_elflibs_api {
    DS_LIBELF_CALLS(DS_ELFLIBS_FIELD)
    DS_LIBDWARF_CALLS(DS_ELFLIBS_FIELD)
} ds_elflibs_api;
#undef DS_ELFLIBS_FIELD

/* Loads libelf and libdwarf the first time (thread-safe) and sets libelf's
 * version. NULL when that worked; otherwise why not, naming the library
 * (static storage). */
const char *ds_elflibs_load(void);
/* The loaded calls; valid only after ds_elflibs_load() returned NULL. */
extern const ds_elflibs_api *const ds_elflibs;

#endif
