/* model.h - riptel's internal telemetry data model: what exporters encode. */
#ifndef RIPTEL_MODEL_H
#define RIPTEL_MODEL_H

/*
 * The telemetry sink (telemetry.c) fills these structures; the OTLP
 * encoder, the JSON output and the Prometheus endpoint only read them.
 *
 * Ownership: every pointer inside a model structure is owned by the
 * structure that holds it and was allocated with malloc.  Strings are
 * NUL-terminated UTF-8 (bytes that are not are the producer's bug, not the
 * encoder's to fix).  Arrays are {v, n, cap}: n entries in use.
 * A batch owns everything in it; model_*_batch_free() releases it all.
 * Destructors and clear functions accept NULL and half-built objects.
 *
 * Pointers returned by the *_add() helpers stay valid only until the next
 * add to the same container (arrays grow with realloc).
 *
 * Bounds: an attribute set holds at most MODEL_ATTRS_MAX entries, strings
 * added through the helpers are cut at MODEL_STR_MAX bytes, a span holds at
 * most MODEL_EVENTS_MAX events, a histogram at most MODEL_BOUNDS_MAX bounds.
 * Going past a bound returns -E2BIG and changes nothing.
 *
 * Times are Unix nanoseconds (CLOCK_REALTIME); 0 means "not set".
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODEL_ATTRS_MAX		128
#define MODEL_STR_MAX		4096
#define MODEL_EVENTS_MAX	32
#define MODEL_BOUNDS_MAX	64

/* The instrumentation scope every batch is reported under. */
#define MODEL_SCOPE_NAME	"riptel"

/* ---- attribute values and sets ---------------------------------------- */

enum model_value_type {
	MODEL_VALUE_STRING = 1,
	MODEL_VALUE_INT = 2,
	MODEL_VALUE_DOUBLE = 3,
	MODEL_VALUE_BOOL = 4,
};

struct model_value {
	enum model_value_type type;
	union {
		char *s;	/* MODEL_VALUE_STRING, owned, never NULL */
		int64_t i;
		double d;
		bool b;
	};
};

struct model_attr {
	char *key;	/* never NULL; owned unless MODEL_ATTR_KEY_BORROWED */
	struct model_value value;
	uint8_t flags;	/* MODEL_ATTR_* */
};

/*
 * Borrowed strings are immortal and never freed: keys come from a bounded
 * process-wide intern pool (attribute names repeat endlessly), values from
 * model_attrs_set_static() (string literals).  Readers need not care.
 */
#define MODEL_ATTR_KEY_BORROWED		(1U << 0)
#define MODEL_ATTR_VALUE_BORROWED	(1U << 1)

/* An attribute set.  Keys are unique when built through the helpers. */
struct model_attrs {
	struct model_attr *v;
	size_t n;
	size_t cap;
};

/* Add or replace key.  0, -ENOMEM, -E2BIG (set full), -EINVAL (NULL key). */
int model_attrs_set_str(struct model_attrs *a, const char *key, const char *val);
int model_attrs_set_int(struct model_attrs *a, const char *key, int64_t val);
int model_attrs_set_double(struct model_attrs *a, const char *key, double val);
int model_attrs_set_bool(struct model_attrs *a, const char *key, bool val);
/* A string value that lives forever (a literal): stored without a copy. */
int model_attrs_set_static(struct model_attrs *a, const char *key, const char *val);
/* Make room for n entries in total (a hint: sets grow by themselves). */
int model_attrs_reserve(struct model_attrs *a, size_t n);
/* Replace the whole of dst with a deep copy of src (dst cleared first). */
int model_attrs_copy(struct model_attrs *dst, const struct model_attrs *src);
/* Add every entry of src to dst, replacing same-named ones. */
int model_attrs_merge(struct model_attrs *dst, const struct model_attrs *src);
const struct model_value *model_attrs_get(const struct model_attrs *a,
					  const char *key);
/* Sort entries by key, so equal sets compare equal entry by entry. */
void model_attrs_sort(struct model_attrs *a);
bool model_attrs_equal(const struct model_attrs *a, const struct model_attrs *b);
/* Free all entries; the set is left empty and reusable. */
void model_attrs_clear(struct model_attrs *a);

/* ---- resource ----------------------------------------------------------- */

struct model_resource {
	struct model_attrs attrs;	/* host.*, os.*, service.*, ... */
};

void model_resource_clear(struct model_resource *r);

/* ---- metrics -------------------------------------------------------------- */

enum model_metric_kind {
	MODEL_METRIC_SUM = 1,
	MODEL_METRIC_GAUGE = 2,
	MODEL_METRIC_HISTOGRAM = 3,
};

/* Values match OTLP's AggregationTemporality. */
enum model_temporality {
	MODEL_TEMPORALITY_DELTA = 1,
	MODEL_TEMPORALITY_CUMULATIVE = 2,
};

/* Explicit-bucket histogram: bucket i counts values in (bounds[i-1], bounds[i]]. */
struct model_hist {
	double *bounds;			/* nbounds, ascending */
	uint64_t *bucket_counts;	/* nbounds + 1 */
	size_t nbounds;
	uint64_t count;
	double sum;
	double min;			/* valid when count > 0 */
	double max;
};

/* Allocate nbounds bounds (copied) and zeroed counts. */
int model_hist_init(struct model_hist *h, const double *bounds, size_t nbounds);
/* Bucket index a value falls into (0 .. nbounds). */
size_t model_hist_bucket(const double *bounds, size_t nbounds, double value);
void model_hist_record(struct model_hist *h, double value);
void model_hist_clear(struct model_hist *h);

struct model_point {
	struct model_attrs attrs;
	uint64_t start_time_ns;		/* sums and histograms */
	uint64_t time_ns;
	bool is_double;			/* sums and gauges: which value is set */
	int64_t as_int;
	double as_double;
	struct model_hist hist;		/* histograms only */
};

struct model_metric {
	char *name;			/* owned */
	char *description;		/* owned, may be "" */
	char *unit;			/* owned, UCUM, may be "" */
	enum model_metric_kind kind;
	enum model_temporality temporality;	/* sums and histograms */
	bool monotonic;			/* sums */
	struct model_point *points;
	size_t npoints;
	size_t cap;
};

/* A zeroed point appended to m; NULL on allocation failure. */
struct model_point *model_metric_add_point(struct model_metric *m);
void model_metric_clear(struct model_metric *m);

struct model_metric_batch {
	struct model_metric *v;
	size_t n;
	size_t cap;
	uint64_t time_ns;		/* when the batch was collected */
};

struct model_metric_batch *model_metric_batch_new(void);
/* Append a metric with no points; NULL on allocation failure. */
struct model_metric *model_metric_batch_add(struct model_metric_batch *b,
					    const char *name,
					    const char *description,
					    const char *unit,
					    enum model_metric_kind kind,
					    enum model_temporality temporality,
					    bool monotonic);
size_t model_metric_batch_points(const struct model_metric_batch *b);
void model_metric_batch_free(struct model_metric_batch *b);

/* ---- spans ---------------------------------------------------------------- */

/* Values match OTLP's SpanKind. */
enum model_span_kind {
	MODEL_SPAN_INTERNAL = 1,
	MODEL_SPAN_SERVER = 2,
	MODEL_SPAN_CLIENT = 3,
};

/* Values match OTLP's Status.StatusCode. */
enum model_status_code {
	MODEL_STATUS_UNSET = 0,
	MODEL_STATUS_OK = 1,
	MODEL_STATUS_ERROR = 2,
};

#define MODEL_TRACE_ID_LEN	16
#define MODEL_SPAN_ID_LEN	8

struct model_span_event {
	uint64_t time_ns;
	char *name;			/* owned */
	struct model_attrs attrs;
};

struct model_span {
	uint8_t trace_id[MODEL_TRACE_ID_LEN];
	uint8_t span_id[MODEL_SPAN_ID_LEN];
	uint8_t parent_span_id[MODEL_SPAN_ID_LEN];	/* all zero: root */
	char *name;			/* owned */
	enum model_span_kind kind;
	uint64_t start_time_ns;
	uint64_t end_time_ns;
	struct model_attrs attrs;
	struct model_span_event *events;
	size_t nevents;
	size_t events_cap;
	uint32_t dropped_events;
	enum model_status_code status_code;
	char *status_message;		/* owned, NULL when none */
};

bool model_span_has_parent(const struct model_span *s);
int model_span_set_name(struct model_span *s, const char *name);
int model_span_set_status(struct model_span *s, enum model_status_code code,
			  const char *message);
/* Append an event; NULL on allocation failure or when the span is full
 * (then dropped_events is incremented). */
struct model_span_event *model_span_add_event(struct model_span *s,
					      uint64_t time_ns,
					      const char *name);
/* Deep copy of src into a zeroed dst. */
int model_span_copy(struct model_span *dst, const struct model_span *src);
void model_span_clear(struct model_span *s);

struct model_span_batch {
	struct model_span *v;
	size_t n;
	size_t cap;
};

struct model_span_batch *model_span_batch_new(void);
/* A zeroed span appended to b; NULL on allocation failure. */
struct model_span *model_span_batch_add(struct model_span_batch *b);
void model_span_batch_free(struct model_span_batch *b);

/* ---- logs ----------------------------------------------------------------- */

/* Values match OTLP's SeverityNumber (the first of each range). */
enum model_severity {
	MODEL_SEV_TRACE = 1,
	MODEL_SEV_DEBUG = 5,
	MODEL_SEV_INFO = 9,
	MODEL_SEV_WARN = 13,
	MODEL_SEV_ERROR = 17,
	MODEL_SEV_FATAL = 21,
};

struct model_log {
	uint64_t time_ns;
	uint64_t observed_time_ns;
	int severity_number;		/* enum model_severity, 1..24 */
	char *severity_text;		/* owned, may be NULL */
	char *body;			/* owned, may be NULL */
	struct model_attrs attrs;
	uint8_t trace_id[MODEL_TRACE_ID_LEN];	/* all zero: none */
	uint8_t span_id[MODEL_SPAN_ID_LEN];	/* all zero: none */
	char *event_name;		/* owned, may be NULL */
};

bool model_log_has_trace(const struct model_log *l);
/* Replace one of the log's strings (field points into l). */
int model_log_set(char **field, const char *value);
void model_log_clear(struct model_log *l);

struct model_log_batch {
	struct model_log *v;
	size_t n;
	size_t cap;
};

struct model_log_batch *model_log_batch_new(void);
/* A zeroed log record appended to b; NULL on allocation failure. */
struct model_log *model_log_batch_add(struct model_log_batch *b);
void model_log_batch_free(struct model_log_batch *b);

/* malloc'd copy of s cut at MODEL_STR_MAX bytes (on a UTF-8 boundary). */
char *model_strdup(const char *s);

#endif /* RIPTEL_MODEL_H */
