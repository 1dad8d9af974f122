"""The supervisors' desk in the browser: an aiohttp application over the domain services."""
