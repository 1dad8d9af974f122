"""One module per revision; `minyuan db revision -m "..."` writes the next one."""
