/* model_json.h - telemetry model objects as JSON, for --output=json. */
#ifndef RIPTEL_MODEL_JSON_H
#define RIPTEL_MODEL_JSON_H

#include "jsonw.h"
#include "model.h"

/*
 * Each function writes one complete JSON object into w (one output line):
 *   {"type":"metric","name":..,"unit":..,"kind":"sum"|"gauge"|"histogram",
 *    "temporality":"cumulative"|"delta","monotonic":b,"points":[..]}
 *   {"type":"span","trace_id":hex32,"span_id":hex16,"parent_span_id":hex16
 *    or "","name":..,"kind":"client"|"server"|"internal",
 *    "start_time_unix_nano":..,"end_time_unix_nano":..,
 *    "status":{"code":"unset"|"ok"|"error","message":..},
 *    "attributes":{..},"events":[{"time_unix_nano":..,"name":..,
 *    "attributes":{..}}]}
 *   {"type":"log","time_unix_nano":..,"observed_time_unix_nano":..,
 *    "severity_number":..,"severity_text":..,"body":..,"event_name":..,
 *    "trace_id":..,"span_id":..,"attributes":{..}}
 *   {"type":"resource","attributes":{..}}
 * Errors are jsonw's sticky error: check jsonw_error() after.
 */
void model_json_metric(struct jsonw *w, const struct model_metric *m);
void model_json_span(struct jsonw *w, const struct model_span *s);
void model_json_log(struct jsonw *w, const struct model_log *l);
void model_json_resource(struct jsonw *w, const struct model_resource *r);

#endif /* RIPTEL_MODEL_JSON_H */
