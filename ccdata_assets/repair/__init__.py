"""Repair: re-materialise partitions with missing periods in a few grouped range runs.

`repair_sensor` (`sensor.py`) asks the gaps check's pure function which partitions miss periods,
`plan.py` groups them into few rectangles under a per-tick cap. Dry run by default.
"""
