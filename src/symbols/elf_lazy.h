/*
 * The libelf and libdwarf calls the ELF symbol reader (elf.c, elf_lines.c)
 * makes, through the libraries loaded on first use (io/lazylib.h): only
 * Linux minidumps with ELF files on the symbol path need them, and linking
 * them made every run pay their relocations at start-up (bench/startup.sh).
 *
 * elf_priv.h includes this after the libraries' own headers (their types,
 * constants and macros stay as they are): the elf_*, gelf_* and dwarf_*
 * names it calls become the loaded libraries' functions. ds_elflibs_load()
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

#ifndef DS_ELF_LAZY_IMPL
#define elf_version (ds_elflibs->elf_version)
#define elf_memory (ds_elflibs->elf_memory)
#define elf_kind (ds_elflibs->elf_kind)
#define elf_end (ds_elflibs->elf_end)
#define elf_nextscn (ds_elflibs->elf_nextscn)
#define elf_getdata (ds_elflibs->elf_getdata)
#define elf_getdata_rawchunk (ds_elflibs->elf_getdata_rawchunk)
#define elf_getphdrnum (ds_elflibs->elf_getphdrnum)
#define elf_getshdrnum (ds_elflibs->elf_getshdrnum)
#define elf_getshdrstrndx (ds_elflibs->elf_getshdrstrndx)
#define elf_strptr (ds_elflibs->elf_strptr)
#define elf_compress (ds_elflibs->elf_compress)
#define gelf_fsize (ds_elflibs->gelf_fsize)
#define gelf_getehdr (ds_elflibs->gelf_getehdr)
#define gelf_getshdr (ds_elflibs->gelf_getshdr)
#define gelf_getphdr (ds_elflibs->gelf_getphdr)
#define gelf_getchdr (ds_elflibs->gelf_getchdr)
#define gelf_getsym (ds_elflibs->gelf_getsym)
#define gelf_getnote (ds_elflibs->gelf_getnote)
#define dwarf_init_b (ds_elflibs->dwarf_init_b)
#define dwarf_finish (ds_elflibs->dwarf_finish)
#define dwarf_dealloc (ds_elflibs->dwarf_dealloc)
#define dwarf_dealloc_error (ds_elflibs->dwarf_dealloc_error)
#define dwarf_dealloc_die (ds_elflibs->dwarf_dealloc_die)
#define dwarf_dealloc_attribute (ds_elflibs->dwarf_dealloc_attribute)
#define dwarf_get_fde_list (ds_elflibs->dwarf_get_fde_list)
#define dwarf_get_fde_list_eh (ds_elflibs->dwarf_get_fde_list_eh)
#define dwarf_fde_cie_list_dealloc (ds_elflibs->dwarf_fde_cie_list_dealloc)
#define dwarf_get_fde_at_pc (ds_elflibs->dwarf_get_fde_at_pc)
#define dwarf_get_fde_info_for_all_regs3 (ds_elflibs->dwarf_get_fde_info_for_all_regs3)
#define dwarf_set_frame_rule_table_size (ds_elflibs->dwarf_set_frame_rule_table_size)
#define dwarf_set_frame_rule_initial_value (ds_elflibs->dwarf_set_frame_rule_initial_value)
#define dwarf_set_frame_cfa_value (ds_elflibs->dwarf_set_frame_cfa_value)
#define dwarf_set_frame_same_value (ds_elflibs->dwarf_set_frame_same_value)
#define dwarf_set_frame_undefined_value (ds_elflibs->dwarf_set_frame_undefined_value)
#define dwarf_next_cu_header_d (ds_elflibs->dwarf_next_cu_header_d)
#define dwarf_siblingof_b (ds_elflibs->dwarf_siblingof_b)
#define dwarf_child (ds_elflibs->dwarf_child)
#define dwarf_offdie_b (ds_elflibs->dwarf_offdie_b)
#define dwarf_dieoffset (ds_elflibs->dwarf_dieoffset)
#define dwarf_tag (ds_elflibs->dwarf_tag)
#define dwarf_diename (ds_elflibs->dwarf_diename)
#define dwarf_attr (ds_elflibs->dwarf_attr)
#define dwarf_whatform (ds_elflibs->dwarf_whatform)
#define dwarf_formudata (ds_elflibs->dwarf_formudata)
#define dwarf_formsdata (ds_elflibs->dwarf_formsdata)
#define dwarf_global_formref (ds_elflibs->dwarf_global_formref)
#define dwarf_lowpc (ds_elflibs->dwarf_lowpc)
#define dwarf_highpc_b (ds_elflibs->dwarf_highpc_b)
#define dwarf_get_ranges_b (ds_elflibs->dwarf_get_ranges_b)
#define dwarf_ranges_dealloc (ds_elflibs->dwarf_ranges_dealloc)
#define dwarf_rnglists_get_rle_head (ds_elflibs->dwarf_rnglists_get_rle_head)
#define dwarf_get_rnglists_entry_fields_a (ds_elflibs->dwarf_get_rnglists_entry_fields_a)
#define dwarf_dealloc_rnglists_head (ds_elflibs->dwarf_dealloc_rnglists_head)
#define dwarf_srclines_b (ds_elflibs->dwarf_srclines_b)
#define dwarf_srclines_from_linecontext (ds_elflibs->dwarf_srclines_from_linecontext)
#define dwarf_srclines_dealloc_b (ds_elflibs->dwarf_srclines_dealloc_b)
#define dwarf_srcfiles (ds_elflibs->dwarf_srcfiles)
#define dwarf_lineaddr (ds_elflibs->dwarf_lineaddr)
#define dwarf_lineno (ds_elflibs->dwarf_lineno)
#define dwarf_line_srcfileno (ds_elflibs->dwarf_line_srcfileno)
#define dwarf_lineendsequence (ds_elflibs->dwarf_lineendsequence)
#endif

#endif
