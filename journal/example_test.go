package journal_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/simrun/simrun/journal"
)

// Recording results as they complete, then, after a restart, reading them
// back and carrying on where the journal ends.
func Example() {
	dir, err := os.MkdirTemp("", "journal")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "journal.bin")

	j, err := journal.Create(path, []byte("experiment v1"))
	if err != nil {
		log.Fatal(err)
	}
	for _, result := range []string{"chunk 0: 0.25", "chunk 1: 0.5"} {
		if err := j.Append([]byte(result)); err != nil {
			log.Fatal(err)
		}
	}
	if err := j.Close(); err != nil { // syncs
		log.Fatal(err)
	}

	// After a restart: the header, the records so far, and a journal to
	// append to.
	j, header, records, err := journal.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("header: %s\n", header)
	for _, rec := range records {
		fmt.Printf("%s\n", rec)
	}
	if err := j.Append([]byte("chunk 2: 0.75")); err != nil {
		log.Fatal(err)
	}
	if err := j.Sync(); err != nil {
		log.Fatal(err)
	}
	if err := j.Close(); err != nil {
		log.Fatal(err)
	}

	_, records, torn, err := journal.Read(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(records), "records, torn:", torn)
	// Output:
	// header: experiment v1
	// chunk 0: 0.25
	// chunk 1: 0.5
	// 3 records, torn: false
}
