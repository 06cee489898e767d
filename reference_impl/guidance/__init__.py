"""reference_impl.guidance."""
