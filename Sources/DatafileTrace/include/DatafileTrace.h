/* Linked into a Datafile's evaluator: records what evaluation reads (see trace.c). */
void dbuild_datafile_trace_start(void);
