// Public API of the course library: re-exports only.
