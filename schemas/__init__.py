"""The format, the rule catalogue and the pandera models. Pure: no I/O, no Prefect."""
