"""The self-inspection (自查自评), inspection findings and the annual secrecy work report."""
