"""Plain-Python switchboard domain: agent and call states, queues, routing strategies.

Nothing here imports Django or touches a database: the switchboard feeds it events and a
clock value (``now``, seconds) and writes what it decides through its stores.
"""
