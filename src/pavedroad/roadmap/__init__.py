"""The roadmap: lanes over quarters, the planner, what-if trade-offs and the capacity budget."""
