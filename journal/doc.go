// Package journal is an append-only file of checksummed records: what a
// process has computed survives the death of the process as soon as
// Append returns, and of the machine once synced. Open reads the records
// back, dropping at most a torn last record, so that a stopped run can
// carry on where its journal ends; anything else that is damaged is an
// error wrapping ErrCorrupt that names the file and the byte offset.
//
// Records are opaque bytes; the first is the header, which says what the
// others are (simrun's engine keeps a JSON description of the experiment
// there). The format and the guarantees are on type Journal. One process
// appends to a file at a time; Read reads without changing the file, for
// readers of a journal in progress.
package journal
