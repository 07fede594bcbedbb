"""Printing labels, badges and plates: the label codes a carrier has had, print jobs and
the bulk print queue. The rendering itself is the pure ``labels`` library."""
