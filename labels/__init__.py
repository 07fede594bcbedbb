"""Custos labels: codes, barcodes and label rendering — no Django."""
