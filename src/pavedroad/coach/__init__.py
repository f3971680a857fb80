"""The coach: which of the practice's three modes the platform team works in, and which of the
practice's mistakes and scenarios its own data shows, each with its evidence and the better
approach. It reads every other domain through their service functions, never their tables."""
