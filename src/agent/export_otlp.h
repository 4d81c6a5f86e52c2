/* export_otlp.h - the OTLP/HTTP exporter: protobuf requests to /v1/<signal>, OTLP's answers. */
#ifndef RIPTEL_EXPORT_OTLP_H
#define RIPTEL_EXPORT_OTLP_H

#include <stddef.h>

#include "export.h"
#include "export_http.h"

/*
 * An exporter (export.h) that encodes with otlp_encode.h, posts
 * application/x-protobuf through export_http.h, one keep-alive handle per
 * signal, and reads answers as the OTLP specification says: 2xx done
 * (a partial_success body counts the rejected items), 429/502/503/504 and
 * transport failures retried, anything else dropped with the
 * google.rpc.Status message.
 */

struct export_otlp_opts {
	/* Per signal (enum otlp_signal); url NULL: the signal is not sent.
	 * content_type is the exporter's own and is ignored. */
	struct export_http_opts http[OTLP_SIGNALS];
};

/* Fill x with a new OTLP/HTTP exporter (for export_new).  0, -EINVAL
 * (err says which option), -ENOMEM, -EIO. */
int export_otlp_new(const struct export_otlp_opts *o, struct export_exporter *x,
		    char *err, size_t errlen);

#endif /* RIPTEL_EXPORT_OTLP_H */
