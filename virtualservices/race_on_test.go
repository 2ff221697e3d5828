//go:build race

package virtualservices_test

// raceEnabled says the race detector is on, which slows everything about
// tenfold: bounds on time that catch a hang allow for it.
const raceEnabled = true
