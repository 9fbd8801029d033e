"""Stand-ins for the national systems out of reach, each honouring the real system's contract.

Mounted at /sim/<name>/ only when SIMULATORS_ENABLED (make run and the tests).
"""
