#include "image/image.h"
#include "image/pe.h"
#include "model/model.h"

static size_t mem_reader(void *ctx, uint64_t addr, void *buf, size_t len)
{
    return ds_mem_read(ctx, addr, buf, len);
}

int ds_image_enrich(ds_crash *c, const ds_memview *mem)
{
    size_t mismatched = 0;
    for (size_t i = 0; i < c->nmodules; i++) {
        ds_module *m = &c->modules[i];
        ds_pe pe;
        if (!ds_pe_read(mem_reader, (void *)mem, m->base, &pe))
            continue;
        m->flags |= DS_MOD_HEADER_IN_DUMP;
        /* A list entry and the image header disagreeing means one is stale
         * or damaged; the header is what a symbol store is keyed on. */
        if (m->timestamp.known && m->timestamp.value != pe.timestamp)
            mismatched++;
        m->timestamp = ds_known(pe.timestamp);
        m->image_size = ds_known(pe.size_of_image);
        m->checksum = ds_known(pe.checksum);
        m->machine = pe.machine;
        if (ds_pe_codeview(mem_reader, (void *)mem, m->base, &pe, &m->cv))
            m->has_cv = true;
    }
    if (mismatched &&
        ds_note_add(c, DS_WARNING, "module_timestamp_mismatch",
                    "%zu modules' list timestamps differ from their in-memory PE headers",
                    mismatched) < 0)
        return -1;
    return 0;
}
