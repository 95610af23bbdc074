/* MD5 (RFC 1321), for stable identifiers such as FAILURE_ID_HASH: not for
 * security. */
#ifndef DS_IO_MD5_H
#define DS_IO_MD5_H

#include <stddef.h>
#include <stdint.h>

void ds_md5(const void *data, size_t len, uint8_t digest[16]);

#endif
