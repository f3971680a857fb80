"""Server-rendered pages: thin routers that call services and render Jinja2 templates."""
