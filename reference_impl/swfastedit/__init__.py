"""reference_impl.swfastedit."""
