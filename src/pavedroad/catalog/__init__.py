"""The catalog: teams, developers, services, systems and personas with their jobs-to-be-done."""
