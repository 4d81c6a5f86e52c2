/* record.h - decoding riptel records: names, addresses, the JSON line. */
#ifndef RIPTEL_RECORD_H
#define RIPTEL_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "riptel.h"
#include "jsonw.h"

/* INET6_ADDRSTRLEN: the longest text record_format_addr() writes + NUL. */
#define RECORD_ADDR_STRLEN 46

/* "exec", "fork", ... for a known type, NULL otherwise. */
const char *record_type_name(uint16_t type);
/* true for the types this ABI version defines (NONE excluded). */
bool record_type_known(uint16_t type);
/* "ESTABLISHED", "SYN_SENT", ... (kernel names without TCP_), or NULL. */
const char *record_tcp_state_name(uint8_t state);

/*
 * The ABI's enumerations in words, one table each: the word, or NULL for a
 * value this agent does not know.  Direction: outbound, inbound; decision:
 * none (0), allow, deny; TLS mode: none (0), mutual, simple, permissive,
 * passthrough.
 */
const char *record_direction_name(uint8_t dir);
const char *record_decision_name(uint8_t decision);
const char *record_tls_mode_name(uint8_t mode);
/* @word, or "unknown" for a lookup that found none (attributes need a value). */
const char *record_or_unknown(const char *word);

/*
 * Text form of a record address: dotted quad for AF_INET (first 4 bytes),
 * RFC 5952 form for AF_INET6.  Returns 0, -EAFNOSUPPORT for another
 * family, or -ENOSPC if @len is below RECORD_ADDR_STRLEN.
 */
int record_format_addr(char *buf, size_t len, uint16_t family,
		       const uint8_t addr[16]);

/*
 * Append @r as one JSON object (the agreed --output=json line, without the
 * newline) to @w.  @unix_ns is the record's time converted to Unix
 * nanoseconds.  Returns 0, -EINVAL for a record of an unknown type (still
 * written, with its common keys and the type as a number), or the writer's
 * error.
 */
int record_to_json(struct jsonw *w, const struct riptel_record *r,
		   uint64_t unix_ns);

#endif /* RIPTEL_RECORD_H */
