"""Provider stand-ins answering in each provider's documented shape."""
