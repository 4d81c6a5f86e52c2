/* otlp_response.h - what an OTLP/HTTP receiver answered: partial success, errors. */
#ifndef RIPTEL_OTLP_RESPONSE_H
#define RIPTEL_OTLP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otlp_encode.h"

#define OTLP_MESSAGE_MAX	256

struct otlp_partial {
	bool set;			/* partial_success was present */
	int64_t rejected;		/* rejected points / spans / records */
	char message[OTLP_MESSAGE_MAX];	/* error_message, cut, may be "" */
};

/*
 * Parse the body of a 200 answer to an export of signal sig.  An empty
 * body is full success.  0, or -EBADMSG when the body is not the
 * response message (out then says "not set").
 */
int otlp_response_parse(enum otlp_signal sig, const uint8_t *body, size_t len,
			struct otlp_partial *out);

/*
 * The message of a google.rpc.Status error body into msg (cut to msglen,
 * "" when absent).  0, or -EBADMSG for a body that is not one.
 */
int otlp_response_status(const uint8_t *body, size_t len, char *msg,
			 size_t msglen);

#endif /* RIPTEL_OTLP_RESPONSE_H */
