"""Pure rules and data: dataclasses, enums and functions with no I/O; stdlib only."""
