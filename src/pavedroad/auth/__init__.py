"""Sign-in: local users with argon2 passwords, browser sessions, and scoped API tokens."""
