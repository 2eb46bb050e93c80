"""The sync client: HTTP to the service, and the engine that runs PROTOCOL.md's sync order."""
