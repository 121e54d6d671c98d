"""The application layer: the use cases between the HTTP handlers (tco.api) and the pure domain
(tco.domain), shared by the API and the CLI."""
