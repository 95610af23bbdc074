/* Image stage: what the modules' own headers in the dump tell us. */
#ifndef DS_IMAGE_IMAGE_H
#define DS_IMAGE_IMAGE_H

#include "dumpscan/dumpscan.h"
#include "mem/memview.h"

/* Read each loaded module's PE header from the memory view when present:
 * TimeDateStamp, SizeOfImage, CheckSum, machine, CodeView. -1 on OOM. */
int ds_image_enrich(ds_crash *c, const ds_memview *mem);

#endif
