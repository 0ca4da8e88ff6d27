// Package words formats the counted nouns of simrun's messages: "1 point",
// "3 points", "1 mean is", "2 means are". It knows English plurals only as
// far as its callers spell them: Count adds an "s", Plural takes both forms.
// Its functions are pure and never fail.
package words
