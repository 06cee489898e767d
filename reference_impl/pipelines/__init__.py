"""reference_impl.pipelines."""
