package runner

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
)

// RegisterFunc registers f under name as a handler of typed values: each
// task is an In and each result an Out, both encoded with encoding/gob, so
// that MapFunc can run f on a pool without the caller writing a codec, as
// Python's Pool.map pickles its arguments. An error from f fails its task
// with a *TaskError carrying the message, as a Handler's does.
//
// Like Register, call it from an init function or from main before Main
// or Serve. The raw Handler is faster for small tasks: gob writes the type
// with every value, about 100 bytes for a small struct.
func RegisterFunc[In, Out any](name string, f func(In) (Out, error)) {
	if f == nil {
		panic("runner: RegisterFunc " + name + " with a nil function")
	}
	Register(name, func([]byte) (Handler, error) {
		return HandlerFunc(func(dst, task []byte) ([]byte, error) {
			var in In
			if err := gob.NewDecoder(bytes.NewReader(task)).Decode(&in); err != nil {
				return dst, fmt.Errorf("runner: %s: decoding the task as %T: %w", name, in, err)
			}
			out, err := f(in)
			if err != nil {
				return dst, err
			}
			b := bytes.NewBuffer(dst[:0])
			if err := gob.NewEncoder(b).Encode(&out); err != nil {
				return dst, fmt.Errorf("runner: %s: encoding the result %T: %w", name, out, err)
			}
			return b.Bytes(), nil
		}), nil
	})
}

// MapFunc runs the function that the pool's handler registered with
// RegisterFunc on every input and returns the results in input order, like
// Python's Pool.map(f, inputs). In and Out must be the types f was
// registered with; otherwise the tasks fail to decode, with an error that
// names the types. Errors are Map's.
func MapFunc[In, Out any](ctx context.Context, p *Pool, inputs []In) ([]Out, error) {
	tasks := make([][]byte, len(inputs))
	for i := range inputs {
		var b bytes.Buffer
		if err := gob.NewEncoder(&b).Encode(&inputs[i]); err != nil {
			return nil, fmt.Errorf("runner: encoding input %d (%T): %w", i, inputs[i], err)
		}
		tasks[i] = b.Bytes()
	}
	results, err := p.Map(ctx, tasks)
	if err != nil {
		return nil, err
	}
	outs := make([]Out, len(results))
	for i, r := range results {
		if err := gob.NewDecoder(bytes.NewReader(r)).Decode(&outs[i]); err != nil {
			return nil, fmt.Errorf("runner: decoding result %d as %T: %w", i, outs[i], err)
		}
	}
	return outs, nil
}
