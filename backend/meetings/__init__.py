"""Classified meetings (会议保密): attendee lists, numbered copies issued and collected by scan."""
