// Package journal is an append-only file of checksummed records: what a
// process has computed survives the death of the process as soon as
// Append returns, and of the machine once synced. Open reads the records
// back, dropping at most a torn tail (a record the file ends inside, or
// bytes in which no intact record starts), so that a stopped run can
// carry on where its journal ends. Damage, a record that is not intact
// with intact records behind it, is an error wrapping ErrCorrupt (a
// *CorruptError) that names the file, the byte offset and the intact
// records that follow, and nothing is truncated; Salvage rewrites such a
// journal with every intact record, which the checksums let it find.
//
// Records are opaque bytes; the first is the header, which says what the
// others are (simrun's engine keeps a JSON description of the experiment
// there). The format and the guarantees are on type Journal. One process
// appends to a file at a time; Read reads without changing the file, for
// readers of a journal in progress. No function opens a journal through
// a symbolic link (ErrSymlink). Errors are returned, never panics.
package journal
