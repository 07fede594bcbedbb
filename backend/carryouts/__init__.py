"""Carrying carriers out of the unit (外出携带) under an approved request."""
