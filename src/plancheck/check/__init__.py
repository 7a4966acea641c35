"""Raw tables -> typed tables and located problems, by the contract the plan declares."""
