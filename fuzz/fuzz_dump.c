/* Any bytes as a whole file: detection, every header, every layout. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_exercise(data, size);
    return 0;
}
