/* export_gzip.h - gzip (RFC 1952) compression of request bodies, through zlib. */
#ifndef RIPTEL_EXPORT_GZIP_H
#define RIPTEL_EXPORT_GZIP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Compress in[0..len) into *out (grown with realloc as needed; *cap is its
 * size and is kept across calls, so one buffer serves every request).
 * 0, -ENOMEM, -EIO (zlib failed).
 */
int export_gzip(const uint8_t *in, size_t len, uint8_t **out, size_t *cap,
		size_t *out_len);

#endif /* RIPTEL_EXPORT_GZIP_H */
