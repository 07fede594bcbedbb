"""Return campaigns (清退): a set of carriers to be handed back by a deadline."""
