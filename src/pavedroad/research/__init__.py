"""Discover: shadowing, interviews, hosted surveys, ticket and usage analysis, insights."""
