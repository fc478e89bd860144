package youtube

// PacificDay is pacificDay, for the tests.
var PacificDay = pacificDay
