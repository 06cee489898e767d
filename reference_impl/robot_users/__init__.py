"""reference_impl.robot_users."""
