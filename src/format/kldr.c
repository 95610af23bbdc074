/*
 * Loaded kernel modules from PsLoadedModuleList (doc/formats.md 5). The fields
 * dumpscan needs sit before offset 0x70 and are stable from XP to Windows 11;
 * TimeDateStamp moves between versions, so it is taken from the image's PE
 * header later (image stage) rather than guessed here.
 */
#include <stdlib.h>

#include "format/format.h"
#include "model/model.h"

typedef struct kldr_layout {
    uint8_t dll_base, size_of_image, full_name, base_name, checksum;
} kldr_layout;

static const kldr_layout kldr64 = {0x30, 0x40, 0x48, 0x58, 0x78};
static const kldr_layout kldr32 = {0x18, 0x20, 0x24, 0x2C, 0x40};

static bool seen_before(const uint64_t *seen, size_t n, uint64_t va)
{
    for (size_t i = 0; i < n; i++)
        if (seen[i] == va)
            return true;
    return false;
}

int ds_kldr_walk(ds_reader *r, unsigned ptr, uint64_t head)
{
    const kldr_layout *k = ptr == 8 ? &kldr64 : &kldr32;
    ds_crash *c = r->crash;
    uint32_t max = r->max_modules;
    uint64_t *seen = malloc((size_t)max * sizeof *seen);
    uint64_t entry;
    size_t n = 0;
    int rc = -1;
    if (!seen)
        return -1;
    if (!ds_mem_ptr(r->mem, head, ptr, &entry)) {
        rc = ds_note_add(c, DS_DAMAGE, "module_list_unreadable",
                         "the loaded-module list head at 0x%llx is not in the dump",
                         (unsigned long long)head);
        goto out;
    }
    while (entry != head) {
        if (n == max) {
            if (ds_note_add(c, DS_DAMAGE, "module_list_too_long",
                            "the loaded-module list has more than %u entries; the rest "
                            "were not read", max) < 0)
                goto out;
            break;
        }
        if (seen_before(seen, n, entry)) {
            if (ds_note_add(c, DS_DAMAGE, "module_list_loop",
                            "the loaded-module list loops back to entry 0x%llx without "
                            "returning to its head; %zu modules read",
                            (unsigned long long)entry, n) < 0)
                goto out;
            break;
        }
        seen[n++] = entry;
        uint64_t base, next;
        uint32_t size;
        if (!ds_mem_ptr(r->mem, entry + k->dll_base, ptr, &base) ||
            !ds_mem_u32(r->mem, entry + k->size_of_image, &size) ||
            !ds_mem_ptr(r->mem, entry, ptr, &next)) {
            if (ds_note_add(c, DS_DAMAGE, "module_list_broken",
                            "loaded-module entry %zu at 0x%llx is not in the dump; %zu "
                            "modules read", n - 1, (unsigned long long)entry, n - 1) < 0)
                goto out;
            break;
        }
        ds_module *m = ds_module_add(c, false);
        if (!m)
            goto out;
        m->flags |= DS_MOD_FROM_LOADER_LIST;
        m->base = base;
        m->size = size;
        uint32_t sum;
        if (ds_mem_u32(r->mem, entry + k->checksum, &sum))
            m->checksum = ds_known(sum);
        char *path = ds_mem_unicode_string(r->mem, entry + k->full_name, ptr);
        char *name = ds_mem_unicode_string(r->mem, entry + k->base_name, ptr);
        if (!name && path)
            name = ds_basename_dup(path);
        ds_str_set(&m->name, name);
        ds_str_set(&m->path, path);
        entry = next;
    }
    rc = 0;
out:
    free(seen);
    return rc;
}
