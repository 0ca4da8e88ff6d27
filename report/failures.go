package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteFailures writes failures as a JSON list in the form of the
// "failures" of results.json, for a run that keeps its failures without
// writing results (a shard, whose merge and resubmission need to know
// that a chunk failed in the kernel).
func WriteFailures(w io.Writer, failures []Failure) error {
	j := make([]jsonFailure, len(failures))
	for i, f := range failures {
		j[i] = jsonFailure(f)
	}
	b, err := json.MarshalIndent(j, "", "  ")
	if err == nil {
		_, err = w.Write(append(b, '\n'))
	}
	if err != nil {
		return fmt.Errorf("report: write failures: %w", err)
	}
	return nil
}

// ReadFailures reads what WriteFailures wrote.
func ReadFailures(r io.Reader) ([]Failure, error) {
	var j []jsonFailure
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("report: read failures: %w", err)
	}
	failures := make([]Failure, len(j))
	for i, f := range j {
		failures[i] = Failure(f)
	}
	return failures, nil
}
