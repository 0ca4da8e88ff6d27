// Package external runs kernels written in any language: programs that
// speak simrun's kernel protocol on their standard input and output, as
// docs/external-kernels.md specifies.
//
// Start starts a program and reads the spec it declares (the handshake);
// Program.Chunks sends it a batch of chunks and reads their accumulators;
// Program.Reference asks it for a reference value. A Kernel keeps one
// program running for a worker, restarting it after it breaks the
// protocol. The helpers simrun ships for other languages, and the
// templates of `simrun new`, are in Languages.
//
// What a program replies is checked before it is believed: a reply that
// breaks the protocol fails its chunk with a *ProtocolError quoting it,
// never a panic or a hang, and a program that dies is an error naming its
// command, its exit status and the last lines of its standard error. A
// program runs in the process group of the process that starts it, so
// that killing that group (as runner does to its workers) kills the
// program too, along with anything it started.
package external
